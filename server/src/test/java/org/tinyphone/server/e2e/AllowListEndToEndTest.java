package org.tinyphone.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.client.TinyphoneEvent;

/** asterisk.allow: FastAGI, relay and AudioSocket close connections from hosts not on the list, unheard. */
class AllowListEndToEndTest {

    @Test
    void aHostNotOnTheAllowListIsClosedAtOnceOnEveryAsteriskPort() throws Exception {
        // only 127.0.0.2 may connect; we come from 127.0.0.1
        try (RunningServer server = RunningServer.start(Map.of("asterisk.allow", "127.0.0.2"));
             RunningServer.Watcher w = server.watch("*")) {
            for (String listener : new String[] {"fastagi", "relay", "audiosocket"}) {
                try (Socket s = new Socket("127.0.0.1", server.port(listener))) {
                    s.getOutputStream().write("id:1.1,event:new_call,value:15550001111|13605162099\n".getBytes());
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    assertThat(in.read()).as(listener + " closes the connection unheard").isEqualTo(-1);
                } catch (java.net.SocketException reset) {
                    // closed before we finished writing: refused as well
                }
            }
            assertThat(w.of(TinyphoneEvent.NewCaller.class)).isEmpty();
        }
    }
}
