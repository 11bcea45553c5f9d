package org.tinyphone.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Headers on every response: {@code X-Content-Type-Options: nosniff}, {@code X-Frame-Options: DENY},
 * {@code Referrer-Policy: no-referrer} and a Content-Security-Policy with {@code frame-ancestors 'none'}.
 *
 * <p>For the built-in page the policy allows exactly what the page loads: its own scripts, style sheet and
 * WebSocket ({@code 'self'}) and its inline script, by the hash of that script as served (computed at start, so
 * an edit of the page needs no edit here); nothing from elsewhere. A page from {@code http.static-dir} is the
 * operator's: its policy also allows inline scripts and styles.
 */
final class SecurityHeaders implements HttpConfiguration.Customizer {
    private static final Pattern INLINE_SCRIPT =
            Pattern.compile("<script(\\s[^>]*)?>(.*?)</script>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern SRC = Pattern.compile("\\ssrc\\s*=", Pattern.CASE_INSENSITIVE);

    private final String contentSecurityPolicy;

    private SecurityHeaders(String contentSecurityPolicy) {
        this.contentSecurityPolicy = contentSecurityPolicy;
    }

    /** For the built-in page, whose HTML is {@code indexHtml} (null: no page). */
    static SecurityHeaders forBuiltInPage(String indexHtml) {
        StringBuilder scripts = new StringBuilder("'self'");
        for (String hash : inlineScriptHashes(indexHtml == null ? "" : indexHtml)) scripts.append(" '").append(hash).append('\'');
        return new SecurityHeaders("default-src 'none'; script-src " + scripts + "; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    }

    /** For pages from a directory of the operator's. */
    static SecurityHeaders forStaticDir() {
        return new SecurityHeaders("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                + "img-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
    }

    /** For a listener that serves no pages (the SMS webhook): nothing may load, nothing may frame it. */
    static SecurityHeaders forNoPages() {
        return new SecurityHeaders("default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    }

    String contentSecurityPolicy() { return contentSecurityPolicy; }

    /** The CSP source of each inline script ({@code sha256-<base64>}), as the browser hashes its text. */
    static List<String> inlineScriptHashes(String html) {
        List<String> hashes = new ArrayList<>();
        Matcher m = INLINE_SCRIPT.matcher(html);
        while (m.find()) {
            if (m.group(1) != null && SRC.matcher(m.group(1)).find()) continue;
            String body = m.group(2);
            if (body.isEmpty()) continue;
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
                hashes.add("sha256-" + Base64.getEncoder().encodeToString(digest));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
        }
        return hashes;
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        responseHeaders.put("X-Content-Type-Options", "nosniff");
        responseHeaders.put("X-Frame-Options", "DENY");
        responseHeaders.put("Referrer-Policy", "no-referrer");
        responseHeaders.put("Content-Security-Policy", contentSecurityPolicy);
        return request;
    }
}
