package org.tinyphone.server.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which hosts may connect as Asterisk (FastAGI, relay, AudioSocket): exact addresses or CIDR blocks
 * ("127.0.0.1", "::1", "10.0.0.0/8"); "*" allows anyone. Names are resolved once, when loaded.
 */
public final class AddressAllowList {
    private record Block(byte[] network, int prefix) {}

    private final List<Block> blocks;
    private final boolean any;
    private final String text;

    private AddressAllowList(List<Block> blocks, boolean any, String text) {
        this.blocks = blocks;
        this.any = any;
        this.text = text;
    }

    /** Parses a comma-separated list. */
    public static AddressAllowList parse(String list) {
        List<Block> blocks = new ArrayList<>();
        boolean any = false;
        for (String raw : list.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) continue;
            if (entry.equals("*")) {
                any = true;
                continue;
            }
            String host = entry;
            int prefix = -1;
            int slash = entry.indexOf('/');
            if (slash >= 0) {
                host = entry.substring(0, slash);
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new ConfigException("bad CIDR prefix in '" + entry + "'");
                }
            }
            byte[] addr;
            try {
                addr = InetAddress.getByName(host).getAddress();
            } catch (UnknownHostException e) {
                throw new ConfigException("unknown host '" + host + "' in allow-list");
            }
            int bits = addr.length * 8;
            if (prefix < 0) prefix = bits;
            if (prefix > bits) throw new ConfigException("CIDR prefix /" + prefix + " too long for " + host);
            blocks.add(new Block(addr, prefix));
        }
        return new AddressAllowList(List.copyOf(blocks), any, list.trim());
    }

    /** Whether the list is {@code *} (anyone, also a peer whose address is unknown). */
    public boolean allowsAnyone() { return any; }

    public boolean allows(InetAddress address) {
        if (any) return true;
        byte[] a = address.getAddress();
        for (Block b : blocks) {
            byte[] n = b.network();
            byte[] cand = a;
            if (n.length != cand.length) {
                cand = mapped(a, n.length);
                if (cand == null) continue;
            }
            if (matches(n, cand, b.prefix())) return true;
        }
        return false;
    }

    /** IPv4 vs IPv4-mapped IPv6 (::ffff:a.b.c.d). */
    private static byte[] mapped(byte[] a, int wantedLength) {
        if (a.length == 16 && wantedLength == 4) {
            for (int i = 0; i < 10; i++) if (a[i] != 0) return null;
            if (a[10] != (byte) 0xff || a[11] != (byte) 0xff) return null;
            return new byte[] {a[12], a[13], a[14], a[15]};
        }
        return null;
    }

    private static boolean matches(byte[] net, byte[] addr, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (net[i] != addr[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (net[full] & mask) == (addr[full] & mask);
    }

    @Override
    public String toString() { return text; }
}
