/// Elements kept at stable slot numbers, so that other structures (a heap, a linked list) can
/// refer to them by a plain number instead of a key to hash or a reference to count. A slot freed
/// is reused by the next insertion; its element is released at once.
struct Slab<Element> {
    private var slots: [Element?] = []
    private var free: [Int] = []

    /// Stores `element` in a free slot (or a new one) and returns the slot.
    mutating func insert(_ element: Element) -> Int {
        if let slot = free.popLast() {
            slots[slot] = element
            return slot
        }
        slots.append(element)
        return slots.count - 1
    }

    /// Takes the element out of `slot`, which becomes free.
    @discardableResult
    mutating func remove(_ slot: Int) -> Element {
        let element = slots[slot]!
        slots[slot] = nil
        free.append(slot)
        return element
    }

    /// The element in an occupied slot.
    subscript(slot: Int) -> Element {
        get { slots[slot]! }
        _modify { yield &slots[slot]! }
    }
}

extension Slab: Sendable where Element: Sendable {}
