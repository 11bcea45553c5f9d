package org.tinyphone.ari;

/**
 * A recording in progress or just ended (in {@code RecordingStarted/Finished/Failed} events).
 *
 * @param state    {@code queued}, {@code recording}, {@code paused}, {@code done}, {@code failed}, {@code canceled}
 * @param duration seconds recorded, when Asterisk says so
 * @param cause    why it failed, when it did
 */
public record LiveRecording(String name, String format, String state, String targetUri, Integer duration,
                            Integer talkingDuration, Integer silenceDuration, String cause) {

    /** The channel id of a {@code channel:} target, or null. */
    public String targetChannelId() {
        return targetUri != null && targetUri.startsWith("channel:") ? targetUri.substring("channel:".length()) : null;
    }
}
