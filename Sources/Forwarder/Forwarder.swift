/// Upstream forwarding (filled by the forwarder work).
public enum ForwarderModule {}
