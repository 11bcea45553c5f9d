package org.tinyphone.ari;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One event from Asterisk's ARI WebSocket. The events apps use are typed records; every other event arrives as
 * {@link Other} with its JSON, never as a failure. Fields Asterisk did not send are null.
 *
 * <pre>{@code
 * switch (event) {
 *     case AriEvent.ChannelDtmfReceived d -> System.out.println("key " + d.digit());
 *     case AriEvent.StasisEnd e -> System.out.println("left Stasis");
 *     default -> { }
 * }
 * }</pre>
 */
public sealed interface AriEvent {

    /** The event type as Asterisk names it ({@code StasisStart}, {@code ChannelDtmfReceived}, ...). */
    String type();

    /** When Asterisk made the event (its clock), or null if it did not say. */
    Instant timestamp();

    /** The Stasis application the event was sent for. */
    String application();

    /** The channel this event is about (for Dial: the caller, else the peer; for playbacks and recordings: the target channel), or null. */
    default String channelId() { return null; }

    /** A channel entered the application ({@code Stasis(app,args)} in the dialplan, or a channel created into it). */
    record StasisStart(Instant timestamp, String application, String asteriskId, List<String> args, Channel channel,
                       Channel replaceChannel) implements AriEvent {
        public StasisStart {
            args = args == null ? List.of() : List.copyOf(args);
        }
        @Override public String type() { return "StasisStart"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /** The channel left the application: it hung up, or went back to the dialplan. */
    record StasisEnd(Instant timestamp, String application, String asteriskId, Channel channel) implements AriEvent {
        @Override public String type() { return "StasisEnd"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /** A key was pressed (sent when the key is released). */
    record ChannelDtmfReceived(Instant timestamp, String application, String asteriskId, String digit, Integer durationMs,
                               Channel channel) implements AriEvent {
        @Override public String type() { return "ChannelDtmfReceived"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /**
     * A hangup was requested. {@code soft} is true when the app asked for it ({@code DELETE /channels/{id}}, cause 32);
     * a caller hanging up gives cause 16 without {@code soft}.
     */
    record ChannelHangupRequest(Instant timestamp, String application, String asteriskId, Integer cause, Boolean soft,
                                Channel channel) implements AriEvent {
        @Override public String type() { return "ChannelHangupRequest"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
        /** True when the app itself asked for the hangup. */
        public boolean isSoft() { return Boolean.TRUE.equals(soft); }
    }

    /** The channel is gone. {@code cause} is the Q.850 cause (16 = normal clearing). */
    record ChannelDestroyed(Instant timestamp, String application, String asteriskId, Integer cause, String causeTxt,
                            Channel channel) implements AriEvent {
        @Override public String type() { return "ChannelDestroyed"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /** The channel's state changed ({@code Ring} to {@code Up} when answered, ...); {@code channel} has the new state. */
    record ChannelStateChange(Instant timestamp, String application, String asteriskId, Channel channel) implements AriEvent {
        @Override public String type() { return "ChannelStateChange"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /** A variable was set; {@code channel} is null for a global variable. */
    record ChannelVarset(Instant timestamp, String application, String asteriskId, String variable, String value,
                         Channel channel) implements AriEvent {
        @Override public String type() { return "ChannelVarset"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /** A playback started. */
    record PlaybackStarted(Instant timestamp, String application, String asteriskId, Playback playback) implements AriEvent {
        @Override public String type() { return "PlaybackStarted"; }
        @Override public String channelId() { return playback == null ? null : playback.targetChannelId(); }
    }

    /** A playback ended: {@code playback.state()} {@code done}, {@code failed} (missing file, the caller hung up) or {@code canceled}. */
    record PlaybackFinished(Instant timestamp, String application, String asteriskId, Playback playback) implements AriEvent {
        @Override public String type() { return "PlaybackFinished"; }
        @Override public String channelId() { return playback == null ? null : playback.targetChannelId(); }
    }

    /** A recording ended and was stored. */
    record RecordingFinished(Instant timestamp, String application, String asteriskId, LiveRecording recording) implements AriEvent {
        @Override public String type() { return "RecordingFinished"; }
        @Override public String channelId() { return recording == null ? null : recording.targetChannelId(); }
    }

    /** A recording could not be made or went wrong ({@code recording.cause()} says why). */
    record RecordingFailed(Instant timestamp, String application, String asteriskId, LiveRecording recording) implements AriEvent {
        @Override public String type() { return "RecordingFailed"; }
        @Override public String channelId() { return recording == null ? null : recording.targetChannelId(); }
    }

    /** The channel joined a bridge. */
    record ChannelEnteredBridge(Instant timestamp, String application, String asteriskId, Bridge bridge, Channel channel)
            implements AriEvent {
        @Override public String type() { return "ChannelEnteredBridge"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /** The channel left a bridge. */
    record ChannelLeftBridge(Instant timestamp, String application, String asteriskId, Bridge bridge, Channel channel)
            implements AriEvent {
        @Override public String type() { return "ChannelLeftBridge"; }
        @Override public String channelId() { return channel == null ? null : channel.id(); }
    }

    /**
     * A dial attempt's progress: {@code dialstatus} empty when it starts, then {@code RINGING}, {@code ANSWER},
     * {@code BUSY}, ... {@code caller} is null when the peer was not dialed by another channel (externalMedia, originate).
     */
    record Dial(Instant timestamp, String application, String asteriskId, Channel caller, Channel peer, Channel forwarded,
                String dialstatus, String dialstring, String forward) implements AriEvent {
        @Override public String type() { return "Dial"; }
        @Override public String channelId() {
            if (caller != null && caller.id() != null) return caller.id();
            return peer == null ? null : peer.id();
        }
    }

    /**
     * Any other event (BridgeDestroyed, ChannelConnectedLine, ApplicationReplaced, a type newer than this client, ...),
     * or a known one Asterisk sent in a shape this client could not read: its JSON as received.
     */
    record Other(String type, Instant timestamp, String application, JsonNode json) implements AriEvent {
        @Override public String channelId() {
            JsonNode id = json == null ? null : json.path("channel").path("id");
            return id == null || !id.isTextual() ? null : id.asText();
        }
    }

    /**
     * Not from Asterisk: told to a call after the connection to Asterisk was lost and came back while the call stayed
     * in Stasis. Events of that time are gone (Asterisk keeps none), so state the app depends on (is my playback still
     * playing?) must be read again over REST.
     */
    record EventsMissed(Instant timestamp, String application, String channelId, Duration gap) implements AriEvent {
        @Override public String type() { return "EventsMissed"; }
    }
}
