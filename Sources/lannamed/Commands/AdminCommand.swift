import ArgumentParser
import Foundation
import LANZone
import WebConsole

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Access to the admin REST API (/api/v1 on the HTTP listener).",
        subcommands: [Token.self, Password.self]
    )

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the web console's password (asked twice on a terminal; else the first line of standard input).",
            discussion: "Stored as a bcrypt hash. At least 10 characters.")
        @Flag(name: .customLong("clear"), help: "Remove the password: nobody can sign in to the console.") var clear = false
        @Option(name: .customLong("password-file"), help: "Read the password from the first line of this file (for scripts).")
        var passwordFile: String?
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, _) = try HostsCommand.open(options)
            if clear {
                do { try store.setAdminSetting(WebConsole.passwordSetting, to: nil) } catch { throw fail(error.description) }
                printOut("console password removed")
                return
            }
            let password = try PasswordInput.read(file: passwordFile)
            do { try WebConsole.setPassword(password, in: store) } catch { throw fail(error.description) }
            printOut("console password set")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bearer tokens for the admin API.", subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make a token and print its secret once (send it as Authorization: Bearer SECRET).")
            @Option(help: "A name to tell tokens apart (default: admin).") var name = "admin"
            @Flag(name: .customLong("read-only"), help: "The token may only read (GET).") var readOnly = false
            @OptionGroup var options: StoreOptions

            func run() async throws {
                let (store, _) = try HostsCommand.open(options)
                do {
                    let (token, secret) = try store.createAdminToken(name: name, readOnly: readOnly)
                    printOut(secret)
                    printOut("token \(token.id) (\(token.name), \(readOnly ? "read-only" : "read-write")): shown once, stored only as a hash")
                } catch {
                    throw fail(error.description)
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the tokens (never their secrets).")
            @OptionGroup var options: StoreOptions

            func run() async throws {
                let (store, _) = try HostsCommand.open(options)
                do {
                    for token in try store.adminTokens() {
                        let created = Date(timeIntervalSince1970: token.created).formatted(.iso8601)
                        printOut("\(token.id)  \(token.readOnly ? "read-only " : "read-write")  \(created)  \(token.name)")
                    }
                } catch {
                    throw fail(error.description)
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (as `list` shows it).")
            @Argument(help: "The token's id (8 hex digits).") var id: String
            @OptionGroup var options: StoreOptions

            func run() async throws {
                let (store, _) = try HostsCommand.open(options)
                do {
                    guard try store.revokeAdminToken(id: id) else { throw fail("no token \(id)") }
                    printOut("revoked \(id)")
                } catch let error as ZoneError {
                    throw fail(error.description)
                }
            }
        }
    }
}
