import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A new password for the console or an account: from `--password-file`, else asked twice on a
/// terminal, else the first line of standard input. At least 10 characters.
enum PasswordInput {
    static func read(file: String?) throws -> String {
        let password: String
        if let file {
            let text: String
            do { text = try InputText.read(file) } catch { throw fail("cannot read \(file): \(error)") }
            password = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        } else if isatty(0) != 0 {
            let first = String(cString: getpass("New password: "))
            let second = String(cString: getpass("Again: "))
            guard first == second else { throw fail("the two passwords differ") }
            password = first
        } else {
            password = readLine(strippingNewline: true) ?? ""
        }
        guard password.count >= 10 else { throw fail("the password needs at least 10 characters") }
        return password
    }
}
