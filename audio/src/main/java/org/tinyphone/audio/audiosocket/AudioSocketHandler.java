package org.tinyphone.audio.audiosocket;

/**
 * Runs one AudioSocket call on the connection's own virtual thread, after its UUID frame arrived. When it
 * returns (or throws), the server closes the connection.
 */
@FunctionalInterface
public interface AudioSocketHandler {
    void handle(AudioSocketSession session) throws Exception;
}
