package org.tinyphone.server.sms;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio's request signature ({@code X-Twilio-Signature}), as Twilio documents it: Base64 of HMAC-SHA1, keyed with
 * the account's auth token, over the full URL Twilio requested (scheme, host, path, query) followed by every POST
 * parameter, sorted by name, as name and value with no separators. No I/O.
 */
public final class TwilioSignature {
    private final byte[] authToken;

    /** @param authToken the Twilio account's auth token (the HMAC key) */
    public TwilioSignature(String authToken) {
        if (authToken == null || authToken.isEmpty()) throw new IllegalArgumentException("an auth token is needed");
        this.authToken = authToken.getBytes(StandardCharsets.UTF_8);
    }

    /** The signature Twilio sends for a POST of {@code params} to {@code url}. */
    public String sign(String url, List<Map.Entry<String, String>> params) {
        List<Map.Entry<String, String>> sorted = new ArrayList<>(params);
        sorted.sort(Map.Entry.<String, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()));
        StringBuilder data = new StringBuilder(url);
        for (Map.Entry<String, String> p : sorted) data.append(p.getKey()).append(p.getValue());
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken, "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every JDK", e);
        }
    }

    /**
     * Whether {@code signature} is right for one of {@code urls} (Twilio's own libraries accept the URL with and without
     * its port, as proxies differ); compared in constant time.
     */
    public boolean valid(String signature, List<String> urls, List<Map.Entry<String, String>> params) {
        if (signature == null || signature.isEmpty()) return false;
        byte[] given = signature.trim().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (String url : urls) {
            ok |= MessageDigest.isEqual(sign(url, params).getBytes(StandardCharsets.UTF_8), given);
        }
        return ok;
    }
}
