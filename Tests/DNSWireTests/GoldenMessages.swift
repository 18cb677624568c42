@testable import DNSWire

/// Hand-annotated messages shared by MessageTests, MalformedMessageTests and the mutation test.
enum Golden {
    /// `dig +dnssec www.example.com A` as it goes on the wire: RD and AD set, one question,
    /// and an OPT record (payload 1232, DO bit) carrying an 8-byte client COOKIE.
    static let query: [UInt8] = [
        // ---- header (offset 0) ----
        0x8A, 0x3F,             //  0: ID 0x8A3F
        0x01,                   //  2: QR=0 OPCODE=0 AA=0 TC=0 RD=1
        0x20,                   //  3: RA=0 Z=0 AD=1 CD=0 RCODE=0
        0x00, 0x01,             //  4: QDCOUNT 1
        0x00, 0x00,             //  6: ANCOUNT 0
        0x00, 0x00,             //  8: NSCOUNT 0
        0x00, 0x01,             // 10: ARCOUNT 1 (the OPT record)
        // ---- question (offset 12) ----
        0x03, 0x77, 0x77, 0x77,                         // 12: "www"
        0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, // 16: "example"
        0x03, 0x63, 0x6F, 0x6D,                         // 24: "com"
        0x00,                                           // 28: root
        0x00, 0x01,             // 29: QTYPE A
        0x00, 0x01,             // 31: QCLASS IN
        // ---- additional: OPT (offset 33) ----
        0x00,                   // 33: owner = root
        0x00, 0x29,             // 34: TYPE 41 (OPT)
        0x04, 0xD0,             // 36: CLASS = UDP payload size 1232
        0x00,                   // 38: TTL: EXTENDED-RCODE 0
        0x00,                   // 39: TTL: VERSION 0
        0x80, 0x00,             // 40: TTL: DO=1, Z=0
        0x00, 0x0C,             // 42: RDLENGTH 12
        0x00, 0x0A,             // 44: option code 10 (COOKIE)
        0x00, 0x08,             // 46: option length 8
        0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, // 48: client cookie
    ]                           // 56 bytes in all

    static let cookie: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF]

    /// An authoritative answer to the query above, compressed the way DNSWriter compresses:
    /// the answer owner points at the question name (offset 12), the SOA owner and the names
    /// inside the SOA RDATA point at `example.com` inside the question (offset 16).
    static let response: [UInt8] = [
        // ---- header (offset 0) ----
        0x8A, 0x3F,             //  0: ID 0x8A3F
        0x85,                   //  2: QR=1 OPCODE=0 AA=1 TC=0 RD=1
        0x80,                   //  3: RA=1 Z=0 AD=0 CD=0 RCODE=0
        0x00, 0x01,             //  4: QDCOUNT 1
        0x00, 0x01,             //  6: ANCOUNT 1
        0x00, 0x01,             //  8: NSCOUNT 1
        0x00, 0x01,             // 10: ARCOUNT 1 (OPT)
        // ---- question (offset 12) ----
        0x03, 0x77, 0x77, 0x77,                         // 12: "www"
        0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, // 16: "example"
        0x03, 0x63, 0x6F, 0x6D,                         // 24: "com"
        0x00,                                           // 28: root
        0x00, 0x01,             // 29: QTYPE A
        0x00, 0x01,             // 31: QCLASS IN
        // ---- answer (offset 33) ----
        0xC0, 0x0C,             // 33: owner -> offset 12 (www.example.com.)
        0x00, 0x01,             // 35: TYPE A
        0x00, 0x01,             // 37: CLASS IN
        0x00, 0x00, 0x0E, 0x10, // 39: TTL 3600
        0x00, 0x04,             // 43: RDLENGTH 4
        0x5D, 0xB8, 0xD7, 0x0E, // 45: 93.184.215.14
        // ---- authority (offset 49) ----
        0xC0, 0x10,             // 49: owner -> offset 16 (example.com.)
        0x00, 0x06,             // 51: TYPE SOA
        0x00, 0x01,             // 53: CLASS IN
        0x00, 0x00, 0x0E, 0x10, // 55: TTL 3600
        0x00, 0x27,             // 59: RDLENGTH 39
        0x03, 0x6E, 0x73, 0x31, // 61: MNAME "ns1"
        0xC0, 0x10,             // 65:   -> offset 16 (ns1.example.com.)
        0x0A, 0x68, 0x6F, 0x73, 0x74, 0x6D, 0x61, 0x73, 0x74, 0x65, 0x72, // 67: RNAME "hostmaster"
        0xC0, 0x10,             // 78:   -> offset 16 (hostmaster.example.com.)
        0x78, 0xA5, 0x81, 0x75, // 80: SERIAL 2024112501
        0x00, 0x00, 0x1C, 0x20, // 84: REFRESH 7200
        0x00, 0x00, 0x0E, 0x10, // 88: RETRY 3600
        0x00, 0x12, 0x75, 0x00, // 92: EXPIRE 1209600
        0x00, 0x00, 0x01, 0x2C, // 96: MINIMUM 300
        // ---- additional: OPT (offset 100) ----
        0x00,                   // 100: owner = root
        0x00, 0x29,             // 101: TYPE OPT
        0x04, 0xD0,             // 103: payload 1232
        0x00, 0x00,             // 105: EXTENDED-RCODE 0, VERSION 0
        0x80, 0x00,             // 107: DO=1
        0x00, 0x00,             // 109: RDLENGTH 0
    ]                           // 111 bytes in all

    /// A response carrying one record of every modelled RecordData case plus an unknown type,
    /// built with the library (so names compress), used as a seed for the mutation test.
    static var everyType: Message {
        let zone: DomainName = "home.lan."
        func rr(_ owner: DomainName, _ data: RecordData, ttl: UInt32 = 600) -> ResourceRecord {
            ResourceRecord(name: owner, ttl: ttl, data: data)
        }
        return Message(
            header: Header(id: 0xBEEF, isResponse: true, authoritative: true, recursionDesired: true),
            questions: [Question(name: "printer.home.lan.", type: .any)],
            answers: [
                rr("printer.home.lan.", .a(IPv4Address(192, 168, 1, 20))),
                rr("printer.home.lan.", .aaaa(IPv6Address("fd00::20")!)),
                rr("printer.home.lan.", .txt([Array("model=LaserJet".utf8), Array("duplex=yes".utf8), []])),
                rr("printer.home.lan.", .mx(preference: 10, exchange: "mail.home.lan.")),
                rr("_ipp._tcp.home.lan.", .srv(priority: 0, weight: 5, port: 631, target: "printer.home.lan.")),
                rr("print.home.lan.", .cname("printer.home.lan.")),
                rr("20.1.168.192.in-addr.arpa.", .ptr("printer.home.lan.")),
                rr("printer.home.lan.", .unknown(RecordType(65280), [0xC0, 0x0C, 0x00, 0x01])),
            ],
            authorities: [
                rr(zone, .ns("ns.home.lan.")),
                rr(zone, .soa(SOA(mname: "ns.home.lan.", rname: "admin.home.lan.", serial: 7, refresh: 3600,
                                  retry: 600, expire: 86400, minimum: 60))),
            ],
            additionals: [rr("ns.home.lan.", .a(IPv4Address(192, 168, 1, 1)))],
            edns: EDNS(udpPayloadSize: 1232, dnssecOK: true, options: [EDNSOption(code: 10, data: cookie)])
        )
    }
}
