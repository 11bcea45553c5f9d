package org.tinyphone.server.clients;

import java.util.Optional;
import org.tinyphone.server.bridge.CallEvent;
import org.tinyphone.server.bridge.CallInfo;

/**
 * The original Node hub's client dialect (no I/O). A client sends {@code CONNECT,<client id>,<number>,NULL|CR}
 * ending in {@code \n} or {@code \0}; it then receives {@code {"id":"…","event":"…","value":"…"}} exactly as the
 * hub's {@code JSON.stringify} wrote it, ended by {@code \0} (NULL) or {@code \n} (anything else).
 */
public final class OriginalCodec {
    private OriginalCodec() {}

    /** A parsed CONNECT line. {@code terminator} is '\0' for NULL, '\n' otherwise (as the hub decided). */
    public record Connect(String clientId, String number, char terminator) {}

    /**
     * Parses a line as the hub did: split on ',', exactly 4 fields, the first "CONNECT"; empty otherwise
     * (the hub logged "malformed message from remote client" and went on).
     */
    public static Optional<Connect> parseConnect(String line) {
        String[] attr = line.split(",", -1);
        if (attr.length != 4 || !attr[0].equals("CONNECT")) return Optional.empty();
        return Optional.of(new Connect(attr[1], attr[2], attr[3].equals("NULL") ? '\0' : '\n'));
    }

    /** The hub's name of an event: new_call, keypress, audio_level, hangup, sms (and Tinyphone's stream). */
    public static String eventName(CallEvent event) {
        return switch (event) {
            case CallEvent.NewCaller n -> "new_call";
            case CallEvent.Keypress k -> "keypress";
            case CallEvent.AudioLevel a -> "audio_level";
            case CallEvent.Hangup h -> "hangup";
            case CallEvent.Stream st -> "stream";
            case CallEvent.Sms m -> "sms";
        };
    }

    /** The hub's message for an event, without terminator. */
    public static String encode(CallEvent event) {
        return switch (event) {
            case CallEvent.NewCaller n -> message(n.callId(), eventName(event), newCallValue(n.info()));
            case CallEvent.Keypress k -> message(k.callId(), eventName(event), String.valueOf(k.digit()));
            case CallEvent.AudioLevel a -> message(a.callId(), eventName(event), Integer.toString(a.level()));
            case CallEvent.Hangup h -> message(h.callId(), eventName(event), "1".equals(h.cause()) ? "1" : "0");
            case CallEvent.Stream st -> message(st.callId(), eventName(event), st.status() + "|" + encodeUriComponent(st.detail()));
            case CallEvent.Sms m -> message(m.callId(), eventName(event), smsValue(m));
        };
    }

    /**
     * {@code <from>|<body URI-encoded>}, as the hub's SMS connector made it: the sender without a leading '+', the
     * text as JavaScript's {@code encodeURIComponent} writes it (so {@code | , : " { }} never appear in it and the
     * original Java client's split on {@code , :} survives any text). The sender is cleaned like a caller id.
     */
    static String smsValue(CallEvent.Sms sms) {
        String from = sms.from();
        while (from.startsWith("+")) from = from.substring(1);
        return clean(from) + "|" + encodeUriComponent(sms.body());
    }

    /**
     * JavaScript's {@code encodeURIComponent}: every byte of the UTF-8 form outside {@code A-Za-z0-9 - _ . ! ~ * ' ( )}
     * becomes {@code %XX} (upper case). A lone surrogate (which JavaScript refuses) is encoded as U+FFFD.
     */
    public static String encodeUriComponent(String s) {
        return percentEncode(s, "-_.!~*'()");
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * {@code <callerid>|<arg1>|…} without the dialed number, as the hub rewrote it. Values look as the original
     * per-call script made them before they reached the hub: no leading '+' on the caller id; each argument
     * without {@code { , | : }} and URI-escaped as Ruby's URI.escape does ({@code a b} → {@code a%20b}), so
     * clients that split on those characters or decode the arguments keep working.
     */
    static String newCallValue(CallInfo info) {
        String callerId = info.callerId();
        while (callerId.startsWith("+")) callerId = callerId.substring(1);
        StringBuilder sb = new StringBuilder(clean(callerId));
        // the legacy lines carry the args as the script made them; any other way in gets the same treatment
        boolean fromScript = "legacy".equals(info.via());
        for (String arg : info.args()) {
            sb.append('|').append(fromScript ? clean(arg) : rubyUriEscape(stripReserved(arg)));
        }
        return sb.toString();
    }

    /** What the original script removed from each argument: {@code { , | : }}. */
    static String stripReserved(String arg) {
        StringBuilder sb = new StringBuilder(arg.length());
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c != '{' && c != ',' && c != '|' && c != ':' && c != '}') sb.append(c);
        }
        return sb.toString();
    }

    /**
     * Ruby's {@code URI.escape(s)}, as the original script applied it to each argument: every byte of the UTF-8
     * form outside {@code A-Za-z0-9 - _ . ! ~ * ' ( ) ; / ? : @ & = + $ , [ ]} becomes {@code %XX}.
     */
    static String rubyUriEscape(String s) {
        return percentEncode(s, "-_.!~*'();/?:@&=+$,[]");
    }

    /** Every byte of the UTF-8 form but letters, digits and {@code safe} as {@code %XX} (upper case). */
    private static String percentEncode(String s, String safe) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || safe.indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }

    private static String clean(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '{' && c != '}' && c != ',' && c != '|' && c != ':' && c != '"') sb.append(c);
        }
        return sb.toString();
    }

    private static String message(String id, String event, String value) {
        StringBuilder sb = new StringBuilder(48 + id.length() + value.length());
        sb.append("{\"id\":");
        jsonString(sb, id);
        sb.append(",\"event\":");
        jsonString(sb, event);
        sb.append(",\"value\":");
        jsonString(sb, value);
        return sb.append('}').toString();
    }

    /** A string literal exactly as JavaScript's JSON.stringify writes it. */
    static void jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    boolean lone = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1)));
                    if (Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1))) lone = false;
                    if (c < 0x20 || lone) {
                        sb.append("\\u").append(String.format("%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
