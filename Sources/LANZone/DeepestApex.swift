import DNSWire

/// Finding the zone that holds a name: the deepest apex among a table's keys that is the name or
/// one of its ancestors. The name is walked up only to the label counts some apex has (`depths`,
/// deepest first), so a lookup costs one probe per distinct apex depth.
enum DeepestApex {
    static func lookup<Value>(_ name: DomainName, in table: [DomainName: Value], depths: [Int]) -> Value? {
        let count = name.labelCount
        var current = name
        var currentCount = count
        for depth in depths where depth <= count {
            while currentCount > depth {
                current = current.parent
                currentCount -= 1
            }
            if let value = table[current] { return value }
        }
        return nil
    }
}
