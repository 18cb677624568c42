import ArgumentParser
import Foundation
import LANZone

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Access to the admin REST API (/api/v1 on the HTTP listener).",
        subcommands: [Token.self]
    )

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
