/// What can go wrong starting or reloading the web service.
public enum WebServiceError: Error, CustomStringConvertible {
    case noCertificate(String)

    public var description: String {
        switch self {
        case .noCertificate(let path): "no certificate in \(path)"
        }
    }
}
