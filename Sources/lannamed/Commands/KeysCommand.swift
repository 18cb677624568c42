import ArgumentParser
import DNSWire
import Foundation
import LANZone
import ZoneTransfer

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "TSIG keys for dynamic updates (RFC 2136) of the hosted zones and the LAN zone: nsupdate, certbot, routers, DHCP servers.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// The store and the settings, with `--zone` read as the key's zone (not the LAN zone's name).
    static func open(_ options: StoreOptions) throws -> (HostStore, Settings) {
        var plain = options
        plain.zone = nil
        let settings: Settings
        do { settings = try plain.settings() } catch { throw fail(error.description) }
        do { return (try HostStore(path: settings.store.database), settings) } catch { throw fail(error.description) }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key for one hosted zone or the LAN zone and print it once as ALGORITHM:NAME:SECRET (what nsupdate -y takes).",
            discussion: "Without --name or --subtree the key may change any name of the zone. A key for the LAN zone (--zone lan) is for a DHCP server (Kea's DHCP-DDNS, ISC dhcpd): its names become hosts of source update, and it may also send the PTR updates to the reverse zones (accepted, not stored: PTRs follow the addresses). Example, a key for ACME DNS-01 of one host: keys add acme-shop --zone dyn.example.net --name _acme-challenge.shop.dyn.example.net --type TXT")
        @Argument(help: "The key's name (a DNS name, e.g. kea-ddns or router-shop).") var name: String
        @Option(name: .customLong("name"), help: "Names it may change exactly; repeatable.") var nameGrant: [String] = []
        @Option(help: "Names it may change at and below; repeatable.") var subtree: [String] = []
        @Option(help: "Record types it may change; repeatable (default: any).") var type: [String] = []
        @Option(help: "hmac-sha256 (default), hmac-sha384 or hmac-sha512.") var algorithm = "hmac-sha256"
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, settings) = try KeysCommand.open(options)
            guard let zoneText = options.zone else { throw fail("--zone ZONE: the hosted zone, or the LAN zone, the key may update") }
            let zone: DomainName
            do { zone = try Settings.parseZoneName(zoneText, what: "--zone") } catch { throw fail(error.description) }
            // The LAN zone's key is for DHCP servers (Kea's DHCP-DDNS, ISC dhcpd): it also covers
            // the PTR updates they send to the reverse zones.
            guard settings.hostedZoneNames.contains(zone) || zone == settings.zone.name else {
                throw fail("\(zone) is neither the LAN zone (\(settings.zone.name)) nor a hosted zone (hosted: \(settings.hostedZoneNames.map(\.description).joined(separator: ", ")); add [[zones]] or --hosted-zone)")
            }
            let keyName: DomainName
            do { keyName = try DomainName(parsing: name.hasSuffix(".") ? name : name + ".", origin: .root) } catch {
                throw fail("\"\(name)\" is not a valid key name")
            }
            guard (try? TSIGAlgorithm(text: algorithm)) != nil, algorithm.lowercased() != "hmac-sha1" else {
                throw fail("algorithm \"\(algorithm)\": use hmac-sha256, hmac-sha384 or hmac-sha512")
            }
            var grants: [String] = []
            for (kind, texts) in [("name", nameGrant), ("subtree", subtree)] {
                for text in texts {
                    guard let owner = try? DomainName(parsing: text.hasSuffix(".") ? text : text + ".", origin: .root),
                          owner.isSubdomain(of: zone) else { throw fail("\(text) is not a name in \(zone)") }
                    grants.append("\(kind):\(owner.lowercased)")
                }
            }
            for text in type where RecordType(text: text) == nil { throw fail("unknown record type \"\(text)\"") }
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let key = StoredUpdateKey(name: keyName.lowercased, algorithm: algorithm.lowercased(), secret: secret, zone: zone,
                                      grants: grants.isEmpty ? ["zone"] : grants, types: type.map { $0.uppercased() },
                                      created: Date().timeIntervalSince1970)
            do { try store.addUpdateKey(key) } catch { throw fail(error.description) }
            printOut("\(key.algorithm):\(keyName.lowercased):\(Data(secret).base64EncodedString())")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys and what each may change (never the secrets).")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, _) = try KeysCommand.open(options)
            let keys: [StoredUpdateKey]
            do { keys = try store.updateKeys() } catch { throw fail(error.description) }
            for key in keys {
                printOut("\(key.name) \(key.algorithm) zone \(key.zone) names \(key.grants.joined(separator: ",")) types \(key.types.isEmpty ? "any" : key.types.joined(separator: ","))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a key: its next UPDATE gets NOTAUTH.")
        @Argument(help: "The key's name.") var name: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, _) = try KeysCommand.open(options)
            guard let keyName = try? DomainName(parsing: name.hasSuffix(".") ? name : name + ".", origin: .root) else {
                throw fail("\"\(name)\" is not a valid key name")
            }
            do {
                guard try store.removeUpdateKey(named: keyName) else { throw fail("no key named \(keyName)") }
            } catch let error as ZoneError { throw fail(error.description) }
            printOut("removed \(keyName)")
        }
    }
}
