import Foundation

/// Dates as operators type them for expiries and usage periods: `YYYY-MM-DD` (midnight UTC) or
/// ISO 8601 with a time and zone (`2027-01-31T12:00:00Z`, `2027-01-31T12:00:00+01:00`).
enum DDNSDate {
    static func parse(_ text: String) -> Double? {
        let calendarDay = ISO8601DateFormatter()
        calendarDay.formatOptions = [.withFullDate]
        calendarDay.timeZone = TimeZone(identifier: "UTC")
        if text.count == 10, let date = calendarDay.date(from: text) { return date.timeIntervalSince1970 }
        let withTime = ISO8601DateFormatter()
        if let date = withTime.date(from: text) { return date.timeIntervalSince1970 }
        withTime.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return withTime.date(from: text)?.timeIntervalSince1970
    }

    /// The first second of the UTC month holding `time`: the default start of a billing period.
    static func monthStart(_ time: Double) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month], from: Date(timeIntervalSince1970: time))
        return calendar.date(from: parts)?.timeIntervalSince1970 ?? time
    }

    static func iso(_ time: Double?) -> String? {
        guard let time else { return nil }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: time))
    }

    static func day(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }
}
