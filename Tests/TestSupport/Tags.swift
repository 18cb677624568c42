import Testing

extension Tag {
    /// The real `lannamed` binary with real peers, on loopback and in network namespaces: the slow
    /// tests. Every top-level suite of EndToEndTests carries it (nested suites inherit it), so a
    /// test plan, or a swift-testing that reads the `tag:` prefix (`swift test --skip
    /// tag:endToEnd`; not yet Swift 6.3's), can single them out as well as `--filter EndToEndTests`.
    @Tag package static var endToEnd: Self
}
