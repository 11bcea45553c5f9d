package org.tinyphone.bench.ami;

import java.util.function.Consumer;
import org.tinyphone.ami.codec.AmiDecoder;
import org.tinyphone.ami.codec.AmiMessage;

/**
 * Tinyphone's AMI decoding path, bytes in memory → events delivered: its {@link AmiDecoder} fed in 32 KiB
 * reads, the read size of {@code ManagerConnection}'s reader.
 */
public final class TinyphoneEventDecoder implements AmiDecoder.Listener {
    public static final int READ_SIZE = 32 * 1024;

    private final Consumer<AmiMessage> sink;
    private long delivered;

    public TinyphoneEventDecoder(Consumer<AmiMessage> sink) {
        this.sink = sink;
    }

    /** Decodes the stream with a fresh decoder (one connection); returns the events delivered. */
    public long decode(byte[] stream) {
        long before = delivered;
        AmiDecoder decoder = new AmiDecoder(false);
        for (int off = 0; off < stream.length; off += READ_SIZE) {
            decoder.feed(stream, off, Math.min(READ_SIZE, stream.length - off), this);
        }
        return delivered - before;
    }

    @Override
    public void onMessage(AmiMessage message) {
        if (message.isEvent()) {
            delivered++;
            sink.accept(message);
        }
    }

    @Override
    public void onError(String problem) {
        throw new IllegalStateException("decoder error on the recorded stream: " + problem);
    }
}
