import CPcap
/// Passive DHCP watching (filled by the DHCPWatch work).
public enum DHCPWatchModule {}
