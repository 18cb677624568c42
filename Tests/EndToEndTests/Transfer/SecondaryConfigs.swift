import Foundation
import TestSupport
import Testing

/// The config files that make NSD, Knot and BIND secondaries of a loopback primary, with every
/// path in the server's temp directory (no root, nothing under /var or /etc).
enum SecondaryConfig {
    struct Setup {
        var config: String
        var arguments: [String]
        var log: String
        var transferLog: String
    }

    /// Writes `kind`'s config into `directory`; the command-line arguments and log paths.
    /// `notifyKey`: NOTIFY must be signed with `tsig` (when there is one); false accepts
    /// unsigned NOTIFY from loopback while transfers stay signed.
    static func write(_ kind: SecondaryServer.Kind, directory: String, port: UInt16, zones: [String],
                      primary: (address: String, port: UInt16), tsig: TestTSIGKey?, notifyKey: Bool = true) throws -> Setup {
        switch kind {
        case .nsd: return try nsd(directory: directory, port: port, zones: zones, primary: primary, tsig: tsig, notifyKey: notifyKey)
        case .knot: return try knot(directory: directory, port: port, zones: zones, primary: primary, tsig: tsig, notifyKey: notifyKey)
        case .bind: return try bind(directory: directory, port: port, zones: zones, primary: primary, tsig: tsig, notifyKey: notifyKey)
        }
    }

    // MARK: NSD

    /// NSD 4: `-d` (foreground; it still forks xfrd and a serving child), everything NSD would put
    /// in /var named here (`xfrdfile`, `xfrdir`, `zonelistfile`, `pidfile`, `database: ""`),
    /// `username: ""` and `chroot: ""` so it never drops privileges or chroots. `request-xfr`
    /// asks IXFR (over TCP) once it has the zone, AXFR the first time; `allow-notify` with the key
    /// (or NOKEY) from 127.0.0.1 and ::1, whatever the source port; `provide-xfr` NOKEY to loopback.
    static func nsd(directory dir: String, port: UInt16, zones: [String], primary: (address: String, port: UInt16),
                    tsig: TestTSIGKey?, notifyKey: Bool = true) throws -> Setup {
        let keyRef = tsig.map { XFR.keyName($0.name) } ?? "NOKEY"
        let notifyRef = notifyKey ? keyRef : "NOKEY"
        var keyBlock = ""
        if let tsig {
            keyBlock = "key:\n    name: \"\(XFR.keyName(tsig.name))\"\n    algorithm: \(tsig.algorithm)\n    secret: \"\(tsig.secret)\"\n"
        }
        let zoneBlocks = zones.map { zone in
            """
            zone:
                name: "\(zone)"
                zonefile: "\(zone)zone"
                request-xfr: \(primary.address)@\(primary.port) \(keyRef)
                allow-notify: 127.0.0.1 \(notifyRef)
                allow-notify: ::1 \(notifyRef)
                provide-xfr: 127.0.0.1 NOKEY
                provide-xfr: ::1 NOKEY

            """
        }.joined()
        func text(rrl: Bool) -> String {
            """
            server:
                server-count: 1
                ip-address: 127.0.0.1@\(port)
                ip-address: ::1@\(port)
                port: \(port)
                do-ip4: yes
                do-ip6: yes
                username: ""
                chroot: ""
                pidfile: "\(dir)/nsd.pid"
                zonesdir: "\(dir)"
                database: ""
                zonelistfile: "\(dir)/zone.list"
                xfrdfile: "\(dir)/xfrd.state"
                xfrdir: "\(dir)"
                logfile: "\(dir)/nsd.log"
                verbosity: 2
                xfrd-reload-timeout: 0
            \(rrl ? "    rrl-ratelimit: 0\n" : "")
            remote-control:
                control-enable: no

            \(keyBlock)
            \(zoneBlocks)
            """
        }
        let path = "\(dir)/nsd.conf"
        try text(rrl: true).write(toFile: path, atomically: true, encoding: .utf8)
        // rrl-ratelimit only where NSD was built with RRL (Debian's is); nsd-checkconf says.
        if let checkconf = E2E.which("nsd-checkconf"), run(checkconf, [path], timeout: 10).status != 0 {
            try text(rrl: false).write(toFile: path, atomically: true, encoding: .utf8)
            let again = run(checkconf, [path], timeout: 10)
            guard again.status == 0 else { throw HarnessError.daemonDidNotStart("nsd-checkconf \(path): \(again)") }
        }
        return Setup(config: path, arguments: ["-d", "-c", path], log: "\(dir)/nsd.log", transferLog: "\(dir)/nsd.log")
    }

    // MARK: Knot

    /// Knot 3.2: foreground without `-d`; `rundir`, `storage` (zone files, journal, timers) and the
    /// control socket in the directory. `master:` (3.2's name; `primary:` came later) names the
    /// primary remote, with `key:` so transfers are signed. ACL: `action: notify` from 127.0.0.1
    /// and ::1 (with `key:` when there is one: a Knot ACL with no key matches unsigned requests
    /// only) and `action: transfer` to loopback without a key. Knot asks IXFR once it has the zone.
    static func knot(directory dir: String, port: UInt16, zones: [String], primary: (address: String, port: UInt16),
                     tsig: TestTSIGKey?, notifyKey: Bool = true) throws -> Setup {
        var keyBlock = ""
        var keyLine = ""
        if let tsig {
            keyBlock = "key:\n  - id: \(XFR.keyName(tsig.name))\n    algorithm: \(tsig.algorithm)\n    secret: \(tsig.secret)\n"
            keyLine = "    key: \(XFR.keyName(tsig.name))\n"
        }
        let config = """
        server:
            rundir: "\(dir)"
            listen: [ 127.0.0.1@\(port), ::1@\(port) ]
            udp-workers: 1
            tcp-workers: 1
            background-workers: 1
        control:
            listen: "\(dir)/knot.sock"
        database:
            storage: "\(dir)"
        \(keyBlock)
        remote:
          - id: primary
            address: \(primary.address)@\(primary.port)
        \(keyLine)
        acl:
          - id: notify_in
            address: [ 127.0.0.1, ::1 ]
            action: notify
        \(notifyKey ? keyLine : "")
          - id: transfer_out
            address: [ 127.0.0.1, ::1 ]
            action: transfer
        template:
          - id: default
            storage: "\(dir)"
            file: "%s.zone"
            zonefile-sync: -1
            journal-content: changes
        zone:
        \(zones.map { "  - domain: \"\($0)\"\n    master: primary\n    acl: [ notify_in, transfer_out ]\n" }.joined())
        log:
          - target: "\(dir)/knot.log"
            any: info
        """
        let path = "\(dir)/knot.conf"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        if let knotc = E2E.which("knotc") {
            let check = run(knotc, ["-c", path, "conf-check"], timeout: 10)
            guard check.status == 0 else { throw HarnessError.daemonDidNotStart("knotc conf-check \(path): \(check)\n\(config)") }
        }
        return Setup(config: path, arguments: ["-c", path], log: "\(dir)/knot.log", transferLog: "\(dir)/knot.log")
    }

    // MARK: BIND

    /// named 9.18: `-f` (foreground, logging as configured; `-g` would force everything to stderr),
    /// `-c` our config, `-n 1`; no `-d` (it would write named.run into the current directory
    /// before reading the config): a channel with an explicit `severity debug 3` gets the debug
    /// lines anyway, so named-xfer.log has "requesting IXFR for serial N" and "got
    /// (non)incremental response" (the main log stays at info). directory, pid-file, session-keyfile, managed-keys-directory,
    /// dump/statistics files all in the directory; `controls { };` (no rndc port); recursion,
    /// validation and outgoing NOTIFY off. `primaries { ADDR port P key K; }` signs the SOA
    /// queries and transfers; request-ixfr is on by default. `allow-notify { key K; }` (or the
    /// loopback addresses): named also takes NOTIFY from its primaries' address anyway.
    static func bind(directory dir: String, port: UInt16, zones: [String], primary: (address: String, port: UInt16),
                     tsig: TestTSIGKey?, notifyKey: Bool = true) throws -> Setup {
        var keyBlock = ""
        var keyClause = ""
        var allowNotify = "127.0.0.1; ::1;"
        if let tsig {
            let name = XFR.keyName(tsig.name)
            keyBlock = "key \"\(name)\" {\n    algorithm \(tsig.algorithm);\n    secret \"\(tsig.secret)\";\n};\n"
            keyClause = " key \"\(name)\""
            if notifyKey { allowNotify = "key \"\(name)\";" }
        }
        let zoneBlocks = zones.map { zone in
            """
            zone "\(zone)" {
                type secondary;
                file "\(zone)db";
                primaries { \(primary.address) port \(primary.port)\(keyClause); };
                allow-notify { \(allowNotify) };
            };

            """
        }.joined()
        let config = """
        options {
            directory "\(dir)";
            pid-file "\(dir)/named.pid";
            session-keyfile "\(dir)/session.key";
            managed-keys-directory "\(dir)";
            dump-file "\(dir)/named_dump.db";
            statistics-file "\(dir)/named.stats";
            memstatistics-file "\(dir)/named.memstats";
            listen-on port \(port) { 127.0.0.1; };
            listen-on-v6 port \(port) { ::1; };
            recursion no;
            dnssec-validation no;
            notify no;
            allow-query { 127.0.0.1; ::1; };
            allow-transfer { 127.0.0.1; ::1; };
            automatic-interface-scan no;
        };
        controls { };
        \(keyBlock)
        logging {
            channel main {
                file "\(dir)/named.log";
                severity info;
                print-time yes;
                print-category yes;
                print-severity yes;
            };
            channel xfer {
                file "\(dir)/named-xfer.log";
                severity debug 3;
                print-time yes;
                print-category yes;
                print-severity yes;
            };
            category default { main; };
            category xfer-in { main; xfer; };
            category xfer-out { main; xfer; };
            category notify { main; xfer; };
        };
        \(zoneBlocks)
        """
        let path = "\(dir)/named.conf"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        if let checkconf = E2E.which("named-checkconf") {
            let check = run(checkconf, [path], timeout: 10)
            guard check.status == 0 else { throw HarnessError.daemonDidNotStart("named-checkconf \(path): \(check)\n\(config)") }
        }
        return Setup(config: path, arguments: ["-f", "-c", path, "-n", "1"], log: "\(dir)/named.log",
                     transferLog: "\(dir)/named-xfer.log")
    }
}
