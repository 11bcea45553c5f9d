package org.tinyphone.ari;

import java.util.List;

/**
 * What to play ({@code POST /channels/{id}/play}, {@code POST /bridges/{id}/play}): one or more media URIs played
 * in turn ({@code sound:hello-world}, {@code number:42}, {@code digits:123}, {@code characters:abc},
 * {@code tone:ring}, {@code recording:name}).
 *
 * @param playbackId the playback's id; null lets Asterisk choose one. Give one to match events that may arrive
 *                   before Asterisk's answer (PlaybackStarted can), and so that a request sent twice cannot play twice
 * @param offsetMs   start this far into the media; null = from the start
 * @param skipMs     how far forward/reverse control skips; null = Asterisk's 3000
 */
public record Play(List<String> media, String playbackId, String lang, Integer offsetMs, Integer skipMs) {
    public Play {
        if (media == null || media.isEmpty()) throw new IllegalArgumentException("nothing to play: give at least one media URI");
        media = List.copyOf(media);
    }

    public static Play of(String... media) { return new Play(List.of(media), null, null, null, null); }

    public Play id(String playbackId) { return new Play(media, playbackId, lang, offsetMs, skipMs); }
    public Play lang(String lang) { return new Play(media, playbackId, lang, offsetMs, skipMs); }
    public Play offsetMs(Integer offsetMs) { return new Play(media, playbackId, lang, offsetMs, skipMs); }
    public Play skipMs(Integer skipMs) { return new Play(media, playbackId, lang, offsetMs, skipMs); }
}
