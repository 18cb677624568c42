import DNSWire
import Foundation

/// The nameservers of /etc/resolv.conf, the default upstreams.
public enum ResolvConf {
    public static func nameservers(path: String = "/etc/resolv.conf") -> [IPAddress] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            return IPAddress(fields[1])
        }
    }
}
