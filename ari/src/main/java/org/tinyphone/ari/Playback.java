package org.tinyphone.ari;

/**
 * A playback: media played to a channel or bridge.
 *
 * @param state {@code queued}, {@code playing}, {@code continuing}, {@code done}, {@code failed} (also when the
 *              caller hung up during it), {@code canceled}
 * @param targetUri {@code channel:<id>} or {@code bridge:<id>}
 */
public record Playback(String id, String mediaUri, String targetUri, String language, String state) {

    /** The channel id of a {@code channel:} target, or null. */
    public String targetChannelId() { return idAfter("channel:"); }

    /** The bridge id of a {@code bridge:} target, or null. */
    public String targetBridgeId() { return idAfter("bridge:"); }

    private String idAfter(String scheme) {
        return targetUri != null && targetUri.startsWith(scheme) ? targetUri.substring(scheme.length()) : null;
    }
}
