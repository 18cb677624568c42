import Foundation

/// The text a command reads from a file, or from standard input when the file is `-`.
enum InputText {
    static func read(_ file: String) throws -> String {
        if file == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
        return try String(contentsOfFile: file, encoding: .utf8)
    }
}
