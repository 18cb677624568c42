import DNSWire
import Foundation
import LANZone
import Testing

@testable import lannamed
@testable import DNSServer

enum TransferTests {
    /// The `[transfer]` table of the config file and the run command's transfer options.
    @Suite("Transfer: settings")
    struct Config {
        static let key = "xfr-key:hmac-sha256:Czt4cvAZiJhf9tYe+gghwMSTmM875KcWNoq1kcC3IpE="
        static let secret = "Czt4cvAZiJhf9tYe+gghwMSTmM875KcWNoq1kcC3IpE="

        /// A file of its own for each test, removed afterwards.
        func withFile<T>(_ text: String, _ body: (String) throws -> T) rethrows -> T {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-\(UUID().uuidString).toml").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try body(path)
        }

        func load(_ text: String) throws -> Settings {
            try withFile(text) { path in
                var settings = Settings()
                try ConfigFile(path: path).apply(to: &settings)
                return settings
            }
        }

        func failure(of text: String) -> ConfigError? {
            do {
                _ = try load(text)
                return nil
            } catch {
                return error as? ConfigError
            }
        }

        @Test func defaultsServeNoTransfers() throws {
            let transfer = try load("").transfer
            #expect(transfer.allow.isEmpty)
            #expect(transfer.notify.isEmpty)
            #expect(transfer.tsig == nil)
            #expect(transfer.secondaryOf == nil)
            #expect(transfer.notifyInterval == 0.25)
            #expect(transfer.journalEntries == 1000)
            #expect(transfer.journalBytes == 16 << 20)
            #expect(!transfer.offersTransfers)
        }

        @Test func readsThePrimarysTransferTable() throws {
            let transfer = try load("""
                [zone]
                name = "lan"

                [transfer]
                allow = ["192.168.1.0/24", "2001:db8::/32", "198.51.100.7"]
                notify = ["192.168.1.53", "[2001:db8::53]:5300"]
                tsig = "\(Self.key)"
                notify-interval = 5
                journal-entries = 50
                """).transfer
            #expect(transfer.allow.map(\.description) == ["192.168.1.0/24", "2001:db8::/32", "198.51.100.7/32"])
            #expect(transfer.notify.map(\.description) == ["192.168.1.53:53", "[2001:db8::53]:5300"])
            #expect(transfer.tsig == Self.key)
            #expect(transfer.secondaryOf == nil)
            #expect(transfer.notifyInterval == 5)
            #expect(transfer.journalEntries == 50)
            #expect(transfer.offersTransfers)
        }

        @Test func readsTheSecondarysTransferTable() throws {
            let transfer = try load("""
                [transfer]
                secondary-of = "192.0.2.1:5353"
                tsig = "\(Self.key)"
                notify-interval = 0
                """).transfer
            #expect(transfer.secondaryOf?.description == "192.0.2.1:5353")
            #expect(transfer.tsig == Self.key)
            #expect(transfer.notifyInterval == 0)
            #expect(transfer.allow.isEmpty && transfer.notify.isEmpty)
            #expect(!transfer.offersTransfers)
        }

        @Test(arguments: [
            ("allow = \"10.0.0.0/8\"", true),
            ("notify = \"192.168.1.53\"", true),
            ("allow = []", false),
            ("secondary-of = \"192.0.2.1\"", false),
            ("tsig = \"\(Config.key)\"", false),
        ])
        func aSingleStringIsAListOfOne(line: String, offers: Bool) throws {
            let transfer = try load("[transfer]\n\(line)\n").transfer
            #expect(transfer.offersTransfers == offers)
            #expect(transfer.allow.count + transfer.notify.count == (offers ? 1 : 0))
        }

        @Test(arguments: [
            ("[transfer]\nallow = [\"192.168.1.0/33\"]\n", 2, "the length must be 0...32"),
            ("[transfer]\nallow = [\"192.168.1.0/24\", \"printer\"]\n", 2, "\"printer\" is not ADDRESS/LENGTH"),
            ("[transfer]\nallow = [\"2001:db8::/129\"]\n", 2, "the length must be 0...128"),
            ("[transfer]\nallow = 24\n", 2, "should be a list of strings"),
            ("[transfer]\n\nnotify = [\"ns2:53\"]\n", 3, "is not ADDRESS[:PORT]"),
            ("[transfer]\nnotify = [\"192.168.1.53:70000\"]\n", 2, "not between 0 and 65535"),
            ("[transfer]\nsecondary-of = \"primary.example\"\n", 2, "is not ADDRESS[:PORT]"),
            ("[transfer]\nsecondary-of = [\"192.0.2.1\"]\n", 2, "should be a string"),
            ("[transfer]\ntsig = \"xfr-key:hmac-sha256\"\n", 2, "NAME:ALGORITHM:BASE64SECRET"),
            ("[transfer]\ntsig = \"xfr-key:hmac-md5:Czt4cvAZiJhf9tYe\"\n", 2, "hmac-md5 is not supported"),
            ("[transfer]\ntsig = \"xfr-key:hmac-sha999:Czt4cvAZiJhf9tYe\"\n", 2, "unknown TSIG algorithm"),
            ("[transfer]\ntsig = \"xfr-key:hmac-sha256:not*base64\"\n", 2, "not valid base64"),
            ("[transfer]\ntsig = \":hmac-sha256:Czt4cvAZiJhf9tYe\"\n", 2, "the TSIG key name is empty"),
            ("[transfer]\nnotify-interval = 3601\n", 2, "outside 0...3600"),
            ("[transfer]\nnotify-interval = \"1s\"\n", 2, "should be a number of seconds"),
            ("[transfer]\njournal-entries = 0\n", 2, "outside 1...1000000"),
            ("[transfer]\nallow = []\nmaster = \"192.0.2.1\"\n", 3, "unknown setting \"master\" in [transfer]"),
            ("[zone]\nname = \"lan\"\n\n[transfer]\n# the primary\nprimary = \"192.0.2.1\"\n", 6, "unknown setting \"primary\""),
            ("transfer = 1\n", 1, "should be a table"),
        ])
        func badValuesNameTheirLine(text: String, line: Int, words: String) throws {
            let problem = try #require(failure(of: text))
            #expect(problem.line == line, "\(problem)")
            #expect(problem.message.contains(words), "\(problem)")
        }

        /// Port 0 is where no secondary or primary listens; the upstream parser refuses it too
        /// ("port 0 is not a port to send to").
        @Test(arguments: [
            ("[transfer]\nnotify = [\"192.168.1.53:0\"]\n", 2),
            ("[transfer]\nsecondary-of = \"[2001:db8::1]:0\"\n", 2),
        ])
        func portZeroIsNoPlaceToSendTo(text: String, line: Int) throws {
            let problem = try #require(failure(of: text))
            #expect(problem.line == line, "\(problem)")
            #expect(problem.message.contains("port 0"), "\(problem)")
        }

        @Test func aBadKeyIsNeverEchoed() throws {
            let problem = try #require(failure(of: "[transfer]\ntsig = \"xfr-key:hmac-md5:\(Self.secret)\"\n"))
            #expect(!problem.description.contains(Self.secret))
        }

        // MARK: - Command line

        func run(_ arguments: [String], file: String = "") throws -> Settings {
            try withFile(file) { path in try RunCommand.parse(["--config", path] + arguments).settings() }
        }

        @Test func optionsSetThePrimarysSettings() throws {
            let transfer = try run(["--allow-transfer", "192.168.1.0/24", "--allow-transfer", "::1",
                                    "--notify", "192.168.1.53", "--notify", "[::1]:5300", "--tsig", Self.key]).transfer
            #expect(transfer.allow.map(\.description) == ["192.168.1.0/24", "::1/128"])
            #expect(transfer.notify.map(\.description) == ["192.168.1.53:53", "[::1]:5300"])
            #expect(transfer.tsig == Self.key)
            #expect(transfer.secondaryOf == nil)
        }

        @Test func optionsSetTheSecondarysSettings() throws {
            let transfer = try run(["--secondary-of", "[2001:db8::1]:5353", "--tsig", Self.key]).transfer
            #expect(transfer.secondaryOf?.description == "[2001:db8::1]:5353")
            #expect(transfer.tsig == Self.key)
        }

        @Test func optionsReplaceTheFilesValues() throws {
            let file = """
                [transfer]
                allow = ["10.0.0.0/8"]
                notify = ["10.0.0.53"]
                journal-entries = 7
                """
            let untouched = try run([], file: file).transfer
            #expect(untouched.allow.map(\.description) == ["10.0.0.0/8"])
            #expect(untouched.notify.map(\.description) == ["10.0.0.53:53"])
            let transfer = try run(["--allow-transfer", "192.168.1.0/24"], file: file).transfer
            #expect(transfer.allow.map(\.description) == ["192.168.1.0/24"])
            #expect(transfer.notify.map(\.description) == ["10.0.0.53:53"])
            #expect(transfer.journalEntries == 7)

            let secondary = try run(["--secondary-of", "192.0.2.1"], file: "[transfer]\nsecondary-of = \"10.0.0.1\"\n").transfer
            #expect(secondary.secondaryOf?.description == "192.0.2.1:53")
        }

        /// A secondary does not pass the primary's zones on, wherever the settings come from.
        @Test(arguments: [
            (["--secondary-of", "192.0.2.1", "--allow-transfer", "127.0.0.0/8"], ""),
            (["--secondary-of", "192.0.2.1", "--notify", "127.0.0.1:5300"], ""),
            (["--allow-transfer", "127.0.0.0/8"], "[transfer]\nsecondary-of = \"192.0.2.1\"\n"),
            ([], "[transfer]\nsecondary-of = \"192.0.2.1\"\nnotify = \"127.0.0.1\"\n"),
        ])
        func aSecondaryOffersNoTransfers(arguments: [String], file: String) throws {
            do {
                _ = try run(arguments, file: file)
                Issue.record("\(arguments) \(file) was accepted")
            } catch let error as ConfigError {
                #expect(error.message.hasPrefix("--secondary-of cannot be combined with --allow-transfer or --notify"), "\(error)")
            }
        }

        @Test(arguments: [
            (["--allow-transfer", "printer"], "--allow-transfer \"printer\" is not ADDRESS/LENGTH"),
            (["--allow-transfer", "10.0.0.0/40"], "--allow-transfer \"10.0.0.0/40\": the length must be 0...32"),
            (["--notify", "ns2.lan"], "--notify: \"ns2.lan\" is not ADDRESS[:PORT]"),
            (["--tsig", "xfr-key"], "--tsig a TSIG key must be NAME:ALGORITHM:BASE64SECRET"),
            (["--secondary-of", "192.0.2.1:0x35"], "--secondary-of \"192.0.2.1:0x35\""),
        ])
        func badOptionsNameTheOption(arguments: [String], start: String) throws {
            do {
                _ = try run(arguments)
                Issue.record("\(arguments) was accepted")
            } catch let error as ConfigError {
                #expect(error.message.hasPrefix(start), "\(error)")
                #expect(error.line == nil)
            }
        }
    }
}
