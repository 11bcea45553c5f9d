package org.tinyphone.audio.audiosocket;

import java.net.ProtocolException;

/** Bytes that are not a valid AudioSocket stream (unknown type, wrong or too large length, bad payload). */
public class AudioSocketProtocolException extends ProtocolException {

    private static final long serialVersionUID = 1L;

    public AudioSocketProtocolException(String message) {
        super(message);
    }
}
