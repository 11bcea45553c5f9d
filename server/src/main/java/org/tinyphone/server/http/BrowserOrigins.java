package org.tinyphone.server.http;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Which web pages may open the WebSocket from a browser, and whether an HTTP client counts as "on this machine"
 * for the access rules (no I/O).
 *
 * <p>A browser sends the page's {@code Origin} with every WebSocket upgrade, and any page a person on the LAN opens
 * could otherwise watch and hang up calls through their browser. So an upgrade that carries an Origin is accepted
 * only from the server's own page (the Origin names the host and port the request was sent to, its {@code Host})
 * or from an origin the operator lists in {@code http.allowed-origins}. A client without an Origin is not a browser
 * (a script, the Java client) and is judged by the access rules alone.
 *
 * <p>A request is from this machine only when its peer is a loopback address, no proxy header says it was
 * forwarded, and its Host is a loopback name or address: a page that made its own name point at 127.0.0.1 (DNS
 * rebinding) sends its own name as Host, so it counts as another host.
 */
public final class BrowserOrigins {
    private final boolean any;
    private final List<String> allowed; // normalised "scheme://host:port"

    /** @param allowed origins from {@code http.allowed-origins} ({@code *} = any) */
    public BrowserOrigins(List<String> allowed) {
        this.any = allowed.contains("*");
        this.allowed = allowed.stream().filter(a -> !a.equals("*")).map(BrowserOrigins::normalise).toList();
    }

    /**
     * Null when a WebSocket upgrade with these headers may go ahead; otherwise why not.
     *
     * @param origin the Origin header, or null
     * @param host   the Host header, or null
     * @param secure whether the request came over TLS
     */
    public String refusal(String origin, String host, boolean secure) {
        if (origin == null) return null;
        if (any) return null;
        String o = normalise(origin);
        if (o != null && allowed.contains(o)) return null;
        if (o != null && host != null && o.equals(normalise((secure ? "https://" : "http://") + host.trim()))) return null;
        return "a web page from " + shown(origin) + " may not open this WebSocket (only the server's own page and "
                + "the origins in http.allowed-origins may)";
    }

    /**
     * Whether an HTTP client is on this machine: a loopback peer, no forwarding header, and a Host that names the
     * loopback ("localhost", 127.x.x.x, [::1]) or is absent.
     */
    public static boolean fromLocal(InetAddress peer, String host, boolean forwarded) {
        if (peer == null || !peer.isLoopbackAddress() || forwarded) return false;
        if (host == null || host.isBlank()) return true;
        String h = hostPart(host.trim()).toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.endsWith(".localhost")) return true;
        if (h.matches("127(\\.\\d{1,3}){3}")) return true;
        return h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    /** {@code scheme://host:port} in lower case with the scheme's default port filled in; null if not an origin. */
    static String normalise(String origin) {
        try {
            URI u = new URI(origin.trim());
            String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
            String host = u.getHost();
            if (scheme == null || host == null || !(scheme.equals("http") || scheme.equals("https"))) return null;
            int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
            return scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
        } catch (Exception e) {
            return null;
        }
    }

    private static String hostPart(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end > 0 ? host.substring(1, end) : host;
        }
        int colon = host.lastIndexOf(':');
        return colon > 0 && host.indexOf(':') == colon ? host.substring(0, colon) : host;
    }

    private static String shown(String s) {
        String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return t.replaceAll("[\\p{Cntrl}]", "?");
    }
}
