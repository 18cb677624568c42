import ArgumentParser
import DNSWire
import Foundation
import LANZone
import WebConsole

/// `lannamed ddns`: the dynamic DNS plans, accounts, hosts and tokens in the store. A running
/// daemon sees changes at its next poll of the generation, as with `hosts`.
struct DDNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddns",
        abstract: "Manage dynamic DNS plans, accounts, hosts and update tokens.",
        subcommands: [Plan.self, Account.self, Host.self, Token.self, List.self, Usage.self]
    )

    static func open(_ options: StoreOptions) throws(DynamicDNSError) -> (HostStore, Settings) {
        let settings: Settings
        do { settings = try options.settings() } catch { throw .invalid(error.description) }
        do {
            return (try HostStore(path: settings.store.database), settings)
        } catch {
            throw .invalid(error.description)
        }
    }

    static func date(_ text: String?, option: String) throws(DynamicDNSError) -> Double? {
        guard let text else { return nil }
        guard let time = DDNSDate.parse(text) else {
            throw .invalid("\(option) \"\(text)\" is not a date (YYYY-MM-DD or ISO 8601 such as 2027-01-31T12:00:00Z)")
        }
        return time
    }
}

/// A `ddns` command whose work is `output(now:)`: what it prints, or why it cannot be done. The
/// time is a parameter so that tests give their own.
protocol DDNSAction: AsyncParsableCommand {
    func output(now: Double) throws(DynamicDNSError) -> String
}

extension DDNSAction {
    func run() async throws {
        do {
            printOut(try output(now: Date().timeIntervalSince1970))
        } catch {
            throw fail(error.description)
        }
    }
}

extension DDNSCommand {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add and list plans.", subcommands: [Add.self, List.self])

        struct Add: DDNSAction {
            static let configuration = CommandConfiguration(abstract: "Add a plan: how many hosts, how often, in which zones.")
            @Argument(help: "The plan's name (a DNS label).") var name: String
            @Option(help: "Hosts an account may have.") var maxHosts: Int
            @Option(help: "Seconds between two updates of a host.") var minInterval: Double = 60
            @Option(help: "Comma-separated zones offered (default all hosted zones).") var zones: String?
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                var names: [DomainName] = []
                for text in (zones ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !text.isEmpty {
                    guard let zone = try? DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root), !zone.isRoot else {
                        throw .invalid("--zones: \"\(text)\" is not a zone name")
                    }
                    names.append(zone.lowercased)
                }
                let (store, _) = try DDNSCommand.open(options)
                try store.addDynamicPlan(DynamicPlan(name: name, maxHosts: maxHosts, minInterval: minInterval, zones: names))
                return "added plan \(name.lowercased()): \(maxHosts) hosts, updates at most every \(Int(minInterval))s, zones "
                    + (names.isEmpty ? "all" : names.map(\.description).joined(separator: ","))
            }
        }

        struct List: DDNSAction {
            static let configuration = CommandConfiguration(abstract: "List the plans.")
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let (store, _) = try DDNSCommand.open(options)
                return DDNSListing.plans(try store.dynamicPlans())
            }
        }
    }

    struct Account: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add, suspend, resume, renew and remove accounts.",
            subcommands: [Add.self, Suspend.self, Resume.self, Expires.self, Remove.self, Password.self])

        struct Add: DDNSAction {
            static let configuration = CommandConfiguration(abstract: "Add an account on a plan.")
            @Argument(help: "The account's name (a DNS label).") var name: String
            @Option(help: "Its plan.") var plan: String
            @Option(help: "When its hosts stop being published (YYYY-MM-DD or ISO 8601; default never).") var expires: String?
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let expiry = try DDNSCommand.date(expires, option: "--expires")
                let (store, _) = try DDNSCommand.open(options)
                let account = try store.addDynamicAccount(name: name, plan: plan, expires: expiry, now: now)
                return "added account \(account.name) on plan \(account.plan), expires \(DDNSDate.iso(expiry) ?? "never")"
            }
        }

        struct Password: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Set the password the customer signs in with at /account (asked twice on a terminal; else the first line of standard input).",
                discussion: "Stored as a bcrypt hash; at least 10 characters.")
            @Argument(help: "The account.") var name: String
            @Option(name: .customLong("password-file"), help: "Read the password from the first line of this file.")
            var passwordFile: String?
            @OptionGroup var options: StoreOptions

            func run() async throws {
                let (store, _) = try DDNSCommand.open(options)
                let password = try PasswordInput.read(file: passwordFile)
                do {
                    guard try AccountPages.setPassword(password, account: name, in: store) else { throw fail("no account \(name)") }
                } catch let error as DynamicDNSError {
                    throw fail(error.description)
                }
                printOut("password set for \(name)")
            }
        }

        struct Suspend: DDNSAction {
            static let configuration = CommandConfiguration(
                abstract: "Stop publishing an account's hosts (their addresses are kept).")
            @Argument(help: "The account.") var name: String
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let (store, _) = try DDNSCommand.open(options)
                let changed = try store.setDynamicAccount(name, suspended: true, now: now)
                return changed ? "suspended \(name)" : "\(name) was already suspended"
            }
        }

        struct Resume: DDNSAction {
            static let configuration = CommandConfiguration(abstract: "Publish a suspended account's hosts again.")
            @Argument(help: "The account.") var name: String
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let (store, _) = try DDNSCommand.open(options)
                let changed = try store.setDynamicAccount(name, suspended: false, now: now)
                return changed ? "resumed \(name)" : "\(name) was not suspended"
            }
        }

        struct Expires: DDNSAction {
            static let configuration = CommandConfiguration(abstract: "Set when an account expires (a renewal).")
            @Argument(help: "The account.") var name: String
            @Argument(help: "YYYY-MM-DD, ISO 8601, or never.") var date: String
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let expiry = date == "never" ? nil : try DDNSCommand.date(date, option: "expiry")
                let (store, _) = try DDNSCommand.open(options)
                try store.setDynamicAccount(name, expires: expiry, now: now)
                return "\(name) expires \(DDNSDate.iso(expiry) ?? "never")"
            }
        }

        struct Remove: DDNSAction {
            static let configuration = CommandConfiguration(
                abstract: "Remove an account with its hosts and tokens (its usage counts stay).")
            @Argument(help: "The account.") var name: String
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let (store, _) = try DDNSCommand.open(options)
                try store.removeDynamicAccount(name, now: now)
                return "removed account \(name)"
            }
        }
    }

    struct Host: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add and remove hosts.", subcommands: [Add.self, Import.self, Remove.self])

        struct Add: DDNSAction {
            static let configuration = CommandConfiguration(
                abstract: "Add a host to an account; it has no address until its first update.",
                discussion: "HOST.ZONE is one label below a hosted zone, or more labels below one of the account's hosts.")
            @Argument(help: "The host's full name.") var name: String
            @Option(help: "The account it belongs to.") var account: String
            @Flag(help: "Answer names below the host with its addresses too.") var wildcard = false
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let (store, settings) = try DDNSCommand.open(options)
                // The zones of the config ([[zones]]) and --hosted-zone, as the daemon serves them.
                let host = try store.addDynamicHost(name, account: account, wildcard: wildcard, hostedZones: settings.hostedZoneNames,
                                                    now: now)
                return "added \(host.fqdn)\(wildcard ? " (and *.\(host.fqdn))" : "") to account \(host.account)"
            }
        }

        struct Import: DDNSAction {
            static let configuration = CommandConfiguration(
                abstract: "Add the hosts listed in a file (one full name a line) to an account, in one transaction.",
                discussion: "Each name after the rules of host add; blank lines and # comments are skipped. Nothing is added if any name is refused or the plan's host limit would be passed.")
            @Argument(help: "The file (- for standard input).") var file: String
            @Option(help: "The account they belong to.") var account: String
            @Flag(help: "Answer names below each host with its addresses too.") var wildcard = false
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let text: String
                do {
                    text = try InputText.read(file)
                } catch { throw .invalid("\(file): \(error.localizedDescription)") }
                let names = text.split(separator: "\n").compactMap { line -> String? in
                    let name = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                        .trimmingCharacters(in: .whitespaces)
                    return name.isEmpty ? nil : name
                }
                let (store, settings) = try DDNSCommand.open(options)
                let hosts = try store.importDynamicHosts(names, account: account, wildcard: wildcard,
                                                         hostedZones: settings.hostedZoneNames, now: now)
                return "added \(hosts.count) host\(hosts.count == 1 ? "" : "s") to account \(account.lowercased())"
            }
        }

        struct Remove: DDNSAction {
            static let configuration = CommandConfiguration(abstract: "Remove a host and its addresses.")
            @Argument(help: "The host's full name.") var name: String
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let (store, _) = try DDNSCommand.open(options)
                try store.removeDynamicHost(name, now: now)
                return "removed \(name)"
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create and revoke update tokens.", subcommands: [Create.self, Revoke.self])

        struct Create: DDNSAction {
            static let configuration = CommandConfiguration(
                abstract: "Create an update token and print its secret, this once.",
                discussion: """
                    A dyndns2 token is 32 characters of [A-Za-z0-9_-] (safe in URLs); only its SHA-256 is stored. \
                    With --tsig the token is a TSIG key for RFC 2136 updates, printed as ALGORITHM:NAME:SECRET for \
                    nsupdate -y; its secret is stored as it is, since verifying an HMAC needs it.
                    """)
            @Option(help: "The account.") var account: String
            @Option(help: "A host it may update (repeatable; default every host of the account).") var host: [String] = []
            @Option(help: "A source prefix it may be used from (repeatable; default any).") var subnet: [String] = []
            @Option(help: "When it stops working (YYYY-MM-DD or ISO 8601; default never).") var expires: String?
            @Flag(help: "Make a TSIG key for RFC 2136 (nsupdate) instead of a dyndns2 secret.") var tsig = false
            @Option(help: "The TSIG algorithm (hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1).") var algorithm: String?
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                if algorithm != nil && !tsig { throw .invalid("--algorithm needs --tsig") }
                var prefixes: [AddressPrefix] = []
                for text in subnet {
                    do { prefixes.append(try AddressPrefix(parsing: text)) } catch { throw .invalid("--subnet: \(error.description)") }
                }
                let expiry = try DDNSCommand.date(expires, option: "--expires")
                let (store, _) = try DDNSCommand.open(options)
                let (token, secret) = try store.createDynamicToken(
                    account: account, hosts: host, subnets: prefixes, expires: expiry,
                    tsigAlgorithm: tsig ? (algorithm ?? "hmac-sha256") : nil, now: now)
                let scope = token.hosts.isEmpty ? "every host of \(token.account)" : token.hosts.map(\.description).joined(separator: ", ")
                if let name = token.tsigName, let algorithm = token.tsigAlgorithm {
                    let key = name.description.hasSuffix(".") ? String(name.description.dropLast()) : name.description
                    return "token \(token.id) for \(scope)\n\(algorithm):\(key):\(secret)"
                }
                return "token \(token.id) for \(scope)\n\(secret)"
            }
        }

        struct Revoke: DDNSAction {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by its id.")
            @Argument(help: "The token's id (as listed).") var id: String
            @OptionGroup var options: StoreOptions

            func output(now: Double) throws(DynamicDNSError) -> String {
                let (store, _) = try DDNSCommand.open(options)
                try store.revokeDynamicToken(id, now: now)
                return "revoked token \(id.lowercased())"
            }
        }
    }

    struct List: DDNSAction {
        static let configuration = CommandConfiguration(abstract: "List plans, accounts, hosts and tokens (never secrets).")
        @Flag(help: "Print one JSON object (plans, accounts, hosts, tokens).") var json = false
        @OptionGroup var options: StoreOptions

        func output(now: Double) throws(DynamicDNSError) -> String {
            let (store, _) = try DDNSCommand.open(options)
            let listing = try store.dynamicListing()
            return json ? DDNSListing.json(listing, now: now) : DDNSListing.text(listing, now: now)
        }
    }

    struct Usage: DDNSAction {
        static let configuration = CommandConfiguration(
            abstract: "Hosts and updates per account, for billing.",
            discussion: "Updates are counted per UTC day: good (an address changed), nochg, and refused.")
        @Option(help: "First day counted (default the first of this UTC month).") var since: String?
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Print CSV.") var csv = false
        @OptionGroup var options: StoreOptions

        func output(now: Double) throws(DynamicDNSError) -> String {
            if json && csv { throw .invalid("choose one of --json and --csv") }
            let start = try DDNSCommand.date(since, option: "--since") ?? DDNSDate.monthStart(now)
            let (store, _) = try DDNSCommand.open(options)
            let usage = try store.dynamicUsage(since: start)
            return DDNSListing.usage(usage, format: json ? .json : csv ? .csv : .table)
        }
    }
}
