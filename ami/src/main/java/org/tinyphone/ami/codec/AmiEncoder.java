package org.tinyphone.ami.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Encodes an action as AMI wire bytes: {@code Key: Value} CRLF lines and a blank CRLF line. No I/O. */
public final class AmiEncoder {
    /** Longest line (with CRLF) Asterisk's manager.c accepts: its input buffer holds 1024 bytes. */
    public static final int MAX_LINE = 1024;

    private AmiEncoder() { }

    /**
     * Encodes fields in order (repeated keys allowed, e.g. several {@code Variable}). Keys must be non-empty
     * without colon/CR/LF and values without CR/LF, so a value can never smuggle in another field or message.
     */
    public static byte[] encode(List<Map.Entry<String, String>> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + fields.size() * 32);
        for (Map.Entry<String, String> f : fields) {
            String k = f.getKey(), v = f.getValue() == null ? "" : f.getValue();
            checkKey(k);
            checkValue(k, v);
            byte[] kb = k.getBytes(StandardCharsets.UTF_8);
            out.write(kb, 0, kb.length);
            out.write(':');
            out.write(' ');
            byte[] vb = v.getBytes(StandardCharsets.UTF_8);
            if (kb.length + 2 + vb.length + 2 > MAX_LINE) {
                throw new IllegalArgumentException("AMI line '" + k + ": ...' is " + (kb.length + vb.length + 4)
                        + " bytes; Asterisk drops lines over " + MAX_LINE + " bytes (manager.c: line too long)");
            }
            out.write(vb, 0, vb.length);
            out.write('\r');
            out.write('\n');
        }
        out.write('\r');
        out.write('\n');
        return out.toByteArray();
    }

    public static void checkKey(String k) {
        if (k == null || k.isEmpty()) throw new IllegalArgumentException("empty AMI key");
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (c == ':' || c == '\r' || c == '\n' || c == ' ') {
                throw new IllegalArgumentException("AMI key must not contain ':', space, CR or LF: " + k);
            }
        }
    }

    public static void checkValue(String k, String v) {
        if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("AMI value for " + k + " must not contain CR or LF");
        }
    }
}
