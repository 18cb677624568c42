import Foundation

@testable import lannamed

/// Settings from `text` written as a config file (a temporary one, removed after).
func loadConfig(_ text: String) throws(ConfigError) -> Settings {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lannamed-\(UUID().uuidString).toml").path
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    defer { try? FileManager.default.removeItem(atPath: path) }
    var settings = Settings()
    try ConfigFile(path: path).apply(to: &settings)
    return settings
}
