import ArgumentParser
import DNSWire
import Foundation
import LANZone

struct RecordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records",
        abstract: "List, add and remove static records of the hosted zones (a running daemon serves changes within a second).",
        discussion: "NAME is a full name in a hosted zone (www.dyn.example.net, or the zone itself for its apex). The zones come from [[zones]] in the config or --hosted-zone.",
        subcommands: [List.self, Add.self, Import.self, Remove.self]
    )

    /// The store, the hosted zones, and the zone that holds `name` (the deepest one).
    static func open(_ options: StoreOptions, name: String? = nil) throws -> (HostStore, Settings, (DomainName, DomainName)?) {
        let settings: Settings
        do { settings = try options.settings() } catch { throw fail(error.description) }
        guard !settings.hosted.isEmpty else {
            throw fail("no hosted zones: add [[zones]] to the config or pass --hosted-zone ZONE")
        }
        var located: (DomainName, DomainName)?
        if let name {
            let owner: DomainName
            do { owner = try DomainName(parsing: name.hasSuffix(".") ? name : name + ".", origin: .root) } catch {
                throw fail("\"\(name)\" is not a valid name")
            }
            guard let zone = settings.hostedZoneNames.filter({ owner.isSubdomain(of: $0) }).max(by: { $0.labelCount < $1.labelCount }) else {
                throw fail("\(owner) is in none of the hosted zones (\(settings.hostedZoneNames.map(\.description).joined(separator: ", ")))")
            }
            located = (owner, zone)
        }
        do {
            return (try HostStore(path: settings.store.database), settings, located)
        } catch {
            throw fail(error.description)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the records of every hosted zone (config and stored).")
        @OptionGroup var options: StoreOptions
        @Flag(help: "Print a JSON array (zone, name, ttl, type, data, source).") var json = false

        func run() async throws {
            let (store, settings, _) = try RecordsCommand.open(options)
            let stored: [DomainName: [ResourceRecord]]
            do { stored = try store.zoneRecords() } catch { throw fail(error.description) }
            var rows: [(zone: DomainName, record: ResourceRecord, source: String)] = []
            for zone in settings.hosted {
                rows += zone.records.map { (zone.name, $0, "config") }
                rows += (stored[zone.name] ?? []).map { (zone.name, $0, "stored") }
            }
            if json {
                let objects = rows.map { row -> [String: Any] in
                    ["zone": row.zone.description, "name": row.record.name.description, "ttl": Int(row.record.ttl),
                     "type": row.record.type.description, "data": RecordText.formatData(row.record.data), "source": row.source]
                }
                let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
                printOut(String(decoding: data, as: UTF8.self))
            } else {
                for row in rows { printOut("\(RecordText.format(row.record))  ; \(row.source)") }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a record: NAME TYPE DATA... (A, AAAA, CNAME, MX, TXT, SRV, CAA, NS below the apex, PTR).",
            discussion: "Examples: records add dyn.example.net MX 10 mail.example.net. / records add www.dyn.example.net CNAME shop.dyn.example.net. / records add dyn.example.net CAA 0 issue letsencrypt.org")
        @Argument(help: "The record's full name.") var name: String
        @Argument(help: "The record type.") var type: String
        @Argument(help: "The record's data, as in a zone file.") var data: [String] = []
        @Option(help: "TTL in seconds (default: the zone's TTL).") var ttl: UInt32?
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, settings, located) = try RecordsCommand.open(options, name: name)
            guard let (owner, apex) = located, let zone = settings.hosted.first(where: { $0.name == apex }) else { return }
            let line = ([owner.description, String(ttl ?? zone.ttl), type] + data.map(Self.quoteIfNeeded)).joined(separator: " ")
            let record: ResourceRecord
            do { record = try RecordText.parse(line, origin: apex, defaultTTL: zone.ttl) } catch {
                throw fail(error.description)
            }
            do {
                let existing = zone.records + (try store.zoneRecords()[apex] ?? [])
                if let problem = HostedRecordRules.problem(adding: record, existing: existing, apex: apex) { throw fail(problem) }
                let added = try store.addZoneRecord(record, apex: apex)
                printOut("\(added ? "added" : "unchanged") \(RecordText.format(record))")
            } catch let error as ZoneError {
                throw fail(error.description)
            }
        }

        /// Words of a TXT or CAA value typed without quotes keep their blanks as one string.
        static func quoteIfNeeded(_ word: String) -> String {
            guard word.contains(where: { $0 == " " || $0 == "\t" }) || word.isEmpty else { return word }
            return "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the records of a zone-file fragment, one transaction per zone (what records add does for each line).",
            discussion: "One record a line: OWNER [TTL] [IN] TYPE DATA, as records add takes them; names without a final dot are relative to $ORIGIN (default: the only hosted zone). $ORIGIN and $TTL lines, blank lines and ; comments are read; parentheses are not. Nothing is stored if any line is wrong.")
        @Argument(help: "The file (- for standard input).") var file: String
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, settings, _) = try RecordsCommand.open(options)
            let text: String
            do {
                text = try InputText.read(file)
            } catch { throw fail("\(file): \(error.localizedDescription)") }
            let zones = Dictionary(settings.hosted.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
            var origin: DomainName? = settings.hosted.count == 1 ? settings.hosted[0].name : nil
            var defaultTTL: UInt32?
            var byZone: [DomainName: [ResourceRecord]] = [:]
            // What each name holds already (config, stored, earlier lines), for the rules of records add.
            var atName: [DomainName: [ResourceRecord]] = [:]
            do {
                for (apex, records) in try store.zoneRecords() where zones[apex] != nil {
                    for record in records { atName[record.name, default: []].append(record) }
                }
            } catch { throw fail(error.description) }
            for zone in settings.hosted {
                for record in zone.records { atName[record.name, default: []].append(record) }
            }
            var number = 0
            for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
                number += 1
                let line = Self.withoutComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                func problem(_ why: String) -> ExitCode { fail("\(file):\(number): \(why)") }
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if words[0].uppercased() == "$ORIGIN" {
                    guard words.count == 2, let name = try? DomainName(parsing: words[1], origin: origin ?? .root) else {
                        throw problem("$ORIGIN takes one name")
                    }
                    origin = name
                    continue
                }
                if words[0].uppercased() == "$TTL" {
                    guard words.count == 2, let ttl = UInt32(words[1]), ttl <= 2_147_483_647 else { throw problem("$TTL takes seconds") }
                    defaultTTL = ttl
                    continue
                }
                guard let base = origin else {
                    throw problem("no $ORIGIN yet, and more than one hosted zone: which zone are the names in?")
                }
                let record: ResourceRecord
                do { record = try RecordText.parse(line, origin: base, defaultTTL: defaultTTL ?? 0) } catch {
                    throw problem(error.description)
                }
                guard let apex = zones.keys.filter({ record.name.isSubdomain(of: $0) }).max(by: { $0.labelCount < $1.labelCount }),
                      let zone = zones[apex] else {
                    throw problem("\(record.name) is in none of the hosted zones")
                }
                var placed = record
                if defaultTTL == nil, !Self.hasTTL(line) { placed.ttl = zone.ttl }
                let existing = atName[placed.name] ?? []
                if let why = HostedRecordRules.problem(adding: placed, existing: existing, apex: apex) { throw problem(why) }
                atName[placed.name, default: []].append(placed)
                byZone[apex, default: []].append(placed)
            }
            for (apex, records) in byZone.sorted(by: { $0.key.description < $1.key.description }) {
                do {
                    let (added, existing) = try store.importZoneRecords(records, apex: apex)
                    printOut("\(apex): added \(added) record\(added == 1 ? "" : "s")\(existing > 0 ? ", \(existing) already there" : "")")
                } catch { throw fail(error.description) }
            }
            if byZone.isEmpty { printOut("no records in \(file)") }
        }

        /// The line up to a `;` outside quotes.
        static func withoutComment(_ line: String) -> String {
            var quoted = false, escaped = false
            for index in line.indices {
                let character = line[index]
                if escaped { escaped = false; continue }
                if character == "\\" { escaped = true } else if character == "\"" { quoted.toggle() } else if character == ";" && !quoted {
                    return String(line[..<index])
                }
            }
            return line
        }

        /// True when the word after the owner is a TTL.
        static func hasTTL(_ line: String) -> Bool {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return words.count > 1 && UInt32(words[1]) != nil
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove stored records: all at NAME, those of TYPE, or the one with DATA.")
        @Argument(help: "The record's full name.") var name: String
        @Argument(help: "The record type (all types when absent).") var type: String?
        @Argument(help: "The record's data (all records of TYPE when absent).") var data: [String] = []
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let (store, _, located) = try RecordsCommand.open(options, name: name)
            guard let (owner, apex) = located else { return }
            var recordType: RecordType?
            var recordData: RecordData?
            if let type {
                guard let parsed = RecordType(text: type) else { throw fail("unknown record type \"\(type)\"") }
                recordType = parsed
                if !data.isEmpty {
                    let line = ([owner.description, "0", type] + data.map(Add.quoteIfNeeded)).joined(separator: " ")
                    do { recordData = try RecordText.parse(line, origin: apex, defaultTTL: 0).data } catch {
                        throw fail(error.description)
                    }
                }
            }
            do {
                let removed = try store.removeZoneRecords(apex: apex, name: owner, type: recordType, data: recordData)
                guard removed > 0 else { throw fail("no stored record matches (records from the config are changed there)") }
                printOut("removed \(removed) record\(removed == 1 ? "" : "s") at \(owner)")
            } catch let error as ZoneError {
                throw fail(error.description)
            }
        }
    }
}
