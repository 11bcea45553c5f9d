package org.asteriskjava.manager.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.asteriskjava.manager.event.DisconnectEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.event.ProtocolIdentifierReceivedEvent;
import org.asteriskjava.manager.response.ManagerResponse;
import org.asteriskjava.util.SocketConnectionFacade;
import org.asteriskjava.util.internal.SocketConnectionFacadeImpl;
import org.asteriskjava.util.internal.streamreader.FastScanner;
import org.asteriskjava.util.internal.streamreader.FastScannerFactory;

/**
 * asterisk-java's own AMI decoding path, bytes in memory → typed events delivered: its
 * {@link ManagerReaderImpl} (reflective event builder, async event pump) reading through the same line
 * scanner its socket facade uses ({@link FastScannerFactory}, CRLF), with an in-memory facade instead of a
 * socket. Lives in asterisk-java's package because {@link Dispatcher} is package-private there.
 */
public final class AjEventDecoder {
    private final ManagerReaderImpl reader;
    private final Consumer<ManagerEvent> sink;
    private long delivered;

    public AjEventDecoder(Consumer<ManagerEvent> sink) {
        this.sink = sink;
        this.reader = new ManagerReaderImpl(new Dispatcher() {
            @Override
            public void dispatchResponse(ManagerResponse response, Integer requiredHandlingTime) {
                // the replayed stream holds events only
            }

            @Override
            public void dispatchEvent(ManagerEvent event, Integer requiredHandlingTime) {
                if (event instanceof DisconnectEvent || event instanceof ProtocolIdentifierReceivedEvent) return;
                delivered++;
                AjEventDecoder.this.sink.accept(event);
            }

            @Override
            public void stop() {
                // nothing to stop
            }
        }, this);
    }

    /**
     * Decodes the whole byte stream (read as one connection until EOF) and returns once every event has been
     * delivered to the sink (asterisk-java's reader drains its event pump before run() returns).
     * Returns the number of events delivered by this call.
     */
    public long decode(byte[] stream) {
        long before = delivered;
        reader.setSocket(new MemoryFacade(stream));
        reader.run();
        return delivered - before;
    }

    /** A {@link SocketConnectionFacade} over bytes in memory, reading lines exactly as asterisk-java's socket facade. */
    static final class MemoryFacade implements SocketConnectionFacade {
        private final FastScanner scanner;

        MemoryFacade(byte[] bytes) {
            this.scanner = FastScannerFactory.getReader(
                    new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8),
                    SocketConnectionFacadeImpl.CRNL_PATTERN);
        }

        @Override
        public String readLine() throws IOException {
            try {
                return scanner.next();
            } catch (NoSuchElementException | IllegalStateException e) {
                return null; // end of the recorded stream = the peer closed
            }
        }

        @Override public void write(String s) { }
        @Override public void flush() { }
        @Override public void close() { }
        @Override public boolean isConnected() { return true; }
        @Override public InetAddress getLocalAddress() { return InetAddress.getLoopbackAddress(); }
        @Override public int getLocalPort() { return 0; }
        @Override public InetAddress getRemoteAddress() { return InetAddress.getLoopbackAddress(); }
        @Override public int getRemotePort() { return 5038; }
    }
}
