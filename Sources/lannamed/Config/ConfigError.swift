/// A configuration problem, said in one sentence (with the file's line where there is one).
struct ConfigError: Error, CustomStringConvertible {
    var file: String?
    var line: Int?
    var message: String

    static func invalidValue(_ message: String) -> ConfigError { ConfigError(message: message) }

    var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(message)"
        case let (file?, nil): "\(file): \(message)"
        default: message
        }
    }
}
