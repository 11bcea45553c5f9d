package org.tinyphone.server.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.tinyphone.sim.fuzz.FuzzCheck.require;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The headers a browser (or anyone) sends with a WebSocket upgrade on port 12003: {@link BrowserOrigins} never
 * throws, lets a page open the WebSocket only from the very host and port the request went to (or an origin the
 * operator listed), says why it refuses in printable words, and counts a request as from this machine only when
 * its Host names the loopback.
 */
class BrowserOriginsFuzzTest {
    private static final String LISTED = "https://screen.example.org:8443";
    private static final BrowserOrigins OWN_PAGE_ONLY = new BrowserOrigins(List.of());
    private static final BrowserOrigins WITH_LISTED = new BrowserOrigins(List.of(LISTED));
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Pattern BROWSER_HOST = Pattern.compile("([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?");

    @FuzzTest
    @DictionaryFile(resourcePath = "origins.dict")
    void headers(FuzzedDataProvider data) {
        boolean secure = data.consumeBoolean();
        boolean forwarded = data.consumeBoolean();
        String host = data.consumeBoolean() ? null : new String(data.consumeBytes(data.consumeInt(0, 80)), UTF_8);
        String origin = data.consumeBoolean() ? null : new String(data.consumeRemainingAsBytes(), UTF_8);

        URI page = uri(origin);
        URI requested = host == null ? null : uri((secure ? "https://" : "http://") + host.trim());
        for (BrowserOrigins origins : List.of(OWN_PAGE_ONLY, WITH_LISTED)) {
            String refused = origins.refusal(origin, host, secure);
            if (refused != null) {
                require(origin != null && refused.chars().noneMatch(c -> c < 0x20 || c == 0x7f),
                        () -> "a refusal says why, with control characters shown: " + refused);
                continue;
            }
            if (origin == null) continue;  // not a browser: the access rules judge it
            require(page != null && (origins == WITH_LISTED && sameSite(page, uri(LISTED)) || sameSite(page, requested)),
                    () -> "a page opens the WebSocket only from the server's own site or a listed one: origin "
                            + origin + ", host " + host);
        }
        // a Host a browser can send (a host name or IP literal, maybe a port) counts as local only if it names the loopback
        if (BrowserOrigins.fromLocal(LOOPBACK, host, forwarded) && host != null && BROWSER_HOST.matcher(host.trim()).matches()
                && requested != null && requested.getHost() != null) {
            String h = requested.getHost().toLowerCase(Locale.ROOT);
            require(!forwarded && (h.equals("localhost") || h.endsWith(".localhost") || h.matches("127(\\.[0-9]{1,3}){3}")
                    || h.equals("[::1]") || h.equals("[0:0:0:0:0:0:0:1]")), () -> "only a loopback Host is local: " + host);
        }
        require(!BrowserOrigins.fromLocal(null, host, forwarded), "no peer, not local");
    }

    private static URI uri(String s) {
        if (s == null) return null;
        try {
            return new URI(s.trim());
        } catch (Exception e) {
            return null;
        }
    }

    /** Same scheme (http or https), host and port, the way a browser compares sites. */
    private static boolean sameSite(URI a, URI b) {
        if (a == null || b == null || a.getHost() == null || b.getHost() == null || a.getScheme() == null) return false;
        String scheme = a.getScheme().toLowerCase(Locale.ROOT);
        return (scheme.equals("http") || scheme.equals("https")) && scheme.equalsIgnoreCase(b.getScheme())
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }
}
