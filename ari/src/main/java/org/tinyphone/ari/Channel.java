package org.tinyphone.ari;

import java.time.Instant;
import java.util.Map;

/**
 * An ARI channel as Asterisk describes it (in events and in {@code GET /channels} answers).
 *
 * @param id          the channel id: Asterisk's uniqueid ({@code 1796391224.62}) or the {@code channelId} an app chose
 * @param name        e.g. {@code PJSIP/100-00000001} or {@code Local/ari@tp-ari-0000001a;2}
 * @param state       {@code Down}, {@code Ring}, {@code Up}, ... (see {@link #stateCode()})
 * @param channelvars the channel variables Asterisk added to this answer (externalMedia: the media connection id), or empty
 */
public record Channel(String id, String name, String state, String protocolId, CallerId caller, CallerId connected,
                      String accountcode, Dialplan dialplan, Instant creationtime, String language,
                      Map<String, String> channelvars) {

    public Channel {
        caller = caller == null ? CallerId.EMPTY : caller;
        connected = connected == null ? CallerId.EMPTY : connected;
        channelvars = channelvars == null ? Map.of() : Map.copyOf(channelvars);
    }

    /** A caller id: name and number ({@code ""} when unknown). */
    public record CallerId(String name, String number) {
        static final CallerId EMPTY = new CallerId("", "");

        public CallerId {
            name = name == null ? "" : name;
            number = number == null ? "" : number;
        }
    }

    /**
     * Where the channel is in the dialplan. For a channel in Stasis: {@code appName} {@code Stasis} and
     * {@code appData} {@code <app>,<arg1>,<arg2>}.
     */
    public record Dialplan(String context, String exten, long priority, String appName, String appData) {}

    /** The state as Asterisk's number (the one AGI's CHANNEL STATUS returns): Up = 6, Ring = 4, ...; -1 if unknown. */
    public int stateCode() {
        if (state == null) return -1;
        return switch (state) {
            case "Down" -> 0;
            case "Rsrved" -> 1;
            case "OffHook" -> 2;
            case "Dialing" -> 3;
            case "Ring" -> 4;
            case "Ringing" -> 5;
            case "Up" -> 6;
            case "Busy" -> 7;
            case "Dialing Offhook" -> 8;
            case "Pre-ring" -> 9;
            default -> -1;
        };
    }

    /** The technology: the part of the name before {@code /} ({@code PJSIP}, {@code Local}), or the name. */
    public String technology() {
        if (name == null) return "";
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }
}
