import Foundation

/// MAC address prefixes to vendor names, from Debian's `ieee-data` (the IEEE's OUI list), read
/// once at start. No file: no vendors, no error.
public struct OUIVendors: Sendable {
    public static let defaultPath = "/usr/share/ieee-data/oui.txt"
    private let vendors: [UInt32: String]

    public var isEmpty: Bool { vendors.isEmpty }
    public var count: Int { vendors.count }

    public init(path: String = Self.defaultPath) {
        let data = FileManager.default.contents(atPath: path) ?? Data()
        self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// Lines `00-1B-63   (hex)\t\tApple, Inc.`; everything else is skipped.
    public init(text: String) {
        var vendors: [UInt32: String] = [:]
        // The file has CRLF line ends ("\r\n" is one Character, so split on any newline).
        for line in text.split(whereSeparator: \.isNewline) {
            guard let marker = line.range(of: "(hex)") else { continue }
            let prefix = line[..<marker.lowerBound].trimmingCharacters(in: .whitespaces)
            let name = line[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            let hex = prefix.replacingOccurrences(of: "-", with: "")
            guard hex.count == 6, let value = UInt32(hex, radix: 16), !name.isEmpty else { continue }
            vendors[value] = name
        }
        self.vendors = vendors
    }

    /// The vendor of `mac` (`aa:bb:cc:dd:ee:ff`, any case, `:` or `-`); nil when unknown or
    /// locally administered.
    public func vendor(of mac: String) -> String? {
        let hex = mac.filter(\.isHexDigit)
        guard hex.count >= 6, let value = UInt32(hex.prefix(6), radix: 16) else { return nil }
        // The locally administered bit: randomised MACs (phones) have no vendor.
        guard value & 0x02_0000 == 0 else { return nil }
        return vendors[value]
    }
}
