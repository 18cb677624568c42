/// Text from a request made safe for one log line: control bytes replaced, length capped.
enum LogText {
    static func clean(_ text: String, limit: Int = 200) -> String {
        var result = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            result.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "?" : scalar)
        }
        return text.unicodeScalars.count > limit ? result + "..." : result
    }
}
