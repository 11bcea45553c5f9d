package org.tinyphone.client;

import java.time.Instant;

/**
 * 20 ms of a call's audio, for a {@link TinyphoneClient#listen listen}.
 *
 * @param seq   the frame's number in this listen, from 1; frames the server dropped (this client was behind) are counted
 *              too, so a gap in {@code seq} is audio lost
 * @param lost  frames dropped just before this one
 * @param time  when the server had the frame
 * @param audio the frame in the listen's format (this frame's own array)
 */
public record AudioFrame(String callId, String number, AudioFormat format, long seq, long lost, Instant time, byte[] audio) {}
