package org.tinyphone.server.bridge;

/**
 * One listener of a call's audio (a client's {@code listen}, {@link CallCommand.Listen}): the call's audio in 20 ms
 * frames of the format it asked for, then its end. The call's audio thread calls {@link #frame}, so nothing here may
 * block: a listener that cannot take a frame drops it.
 */
public interface AudioSink {
    /**
     * One 20 ms frame ({@code audio} is shared with the call's other listeners: never modified, never kept past the
     * write). False when it was dropped (the listener is behind) or the listener has ended.
     *
     * @param time milliseconds since the Unix epoch when the frame was complete on the server
     */
    boolean frame(byte[] audio, long time);

    /** The audio ended for this listener ({@code reason}: the call hung up, its audio ended, ...); nothing follows. Idempotent. */
    void end(String reason);

    /** False once it has ended: it wants no more frames. */
    boolean open();
}
