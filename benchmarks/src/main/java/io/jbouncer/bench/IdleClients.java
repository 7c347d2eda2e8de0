package io.jbouncer.bench;

import io.jbouncer.protocol.auth.Md5Auth;
import io.jbouncer.protocol.message.ErrorResponse;
import io.jbouncer.protocol.message.StartupMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory-and-scale load tool: opens idle, authenticated client connections to a pooler in steps and prints
 * the pooler's resident set size after each step, so that RSS per idle client can be compared between poolers.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.jbouncer.bench.IdleClients PORT USER PASSWORD DATABASE PID STEPS}
 * where {@code STEPS} is a comma-separated list of cumulative client counts ({@code 1000,10000}) and {@code PID}
 * the pooler's process. Each client logs in with md5 (or trust) over TCP to 127.0.0.1 and waits for
 * ReadyForQuery, then stays idle. Output is one tab-separated line per step: {@code clients rss_kB}, the first
 * line being the baseline at 0 clients. Past 25,000 clients the local address rotates over 127.0.0.x, because one
 * source address has only about 28,000 ephemeral ports towards one destination.
 *
 * <p>Logins run one after another on one thread: the figure of interest is the memory held afterwards, not the
 * login rate. RSS is read after a {@value #SETTLE_MILLIS} ms pause that lets the pooler finish its work.
 */
public final class IdleClients {
    private static final int CLIENTS_PER_SOURCE_ADDRESS = 25_000;
    private static final long SETTLE_MILLIS = 3_000;
    /** A login that takes longer than this means the pooler stopped accepting: fail instead of hanging. */
    private static final int LOGIN_TIMEOUT_MILLIS = 10_000;

    private final int port;
    private final String user;
    private final String password;
    private final String database;
    private final List<Socket> clients = new ArrayList<>();

    private IdleClients(int port, String user, String password, String database) {
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 6) {
            System.err.println("usage: IdleClients PORT USER PASSWORD DATABASE PID STEPS (e.g. 1000,10000)");
            System.exit(2);
        }
        IdleClients tool = new IdleClients(Integer.parseInt(args[0]), args[1], args[2], args[3]);
        Path status = Path.of("/proc", args[4], "status");
        try {
            System.out.println("0\t" + rssKb(status));
            for (String step : args[5].split(",")) {
                int target = Integer.parseInt(step.trim());
                tool.openUpTo(target);
                Thread.sleep(SETTLE_MILLIS);
                System.out.println(target + "\t" + rssKb(status));
            }
        } finally {
            tool.closeAll();
        }
    }

    private void openUpTo(int target) throws IOException {
        while (clients.size() < target) {
            clients.add(login(clients.size() / CLIENTS_PER_SOURCE_ADDRESS + 1));
        }
    }

    /** Connects from 127.0.0.{@code sourceHost} and logs in; returns the idle socket. */
    private Socket login(int sourceHost) throws IOException {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) sourceHost}), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), LOGIN_TIMEOUT_MILLIS);
            socket.setSoTimeout(LOGIN_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(startupMessage());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            authenticate(in, out);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw new IOException("client " + (clients.size() + 1) + ": " + e.getMessage(), e);
        }
    }

    /** Answers the authentication request, then reads until ReadyForQuery. */
    private void authenticate(DataInputStream in, OutputStream out) throws IOException {
        while (true) {
            byte tag = in.readByte();
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            switch (tag) {
                case 'Z' -> {
                    return;
                }
                case 'E' -> throw new IOException("login refused: "
                        + ErrorResponse.decode(Unpooled.wrappedBuffer(body)).message());
                case 'R' -> answer(body, out);
                default -> { } // ParameterStatus, BackendKeyData, notices: not needed
            }
        }
    }

    private void answer(byte[] request, OutputStream out) throws IOException {
        ByteBuf body = Unpooled.wrappedBuffer(request);
        int code = body.readInt();
        if (code == 0) {
            return;
        }
        if (code != 5) {
            throw new IOException("unsupported authentication request " + code + " (expected md5 or trust)");
        }
        byte[] salt = new byte[4];
        body.readBytes(salt);
        byte[] response = Md5Auth.saltedResponse(Md5Auth.passwordHash(user, password), salt)
                .getBytes(StandardCharsets.US_ASCII);
        // one write: split small writes meet Nagle and delayed ACK, which costs 40 ms per login
        ByteBuf message = Unpooled.buffer(response.length + 6);
        message.writeByte('p');
        message.writeInt(4 + response.length + 1);
        message.writeBytes(response);
        message.writeByte(0);
        out.write(ByteBufUtil.getBytes(message));
    }

    private byte[] startupMessage() {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("user", user);
        parameters.put("database", database);
        ByteBuf buf = Unpooled.buffer();
        StartupMessage.encode(buf, 0, parameters);
        return ByteBufUtil.getBytes(buf);
    }

    private void closeAll() {
        for (Socket socket : clients) {
            try {
                socket.close();
            } catch (IOException e) {
                // the pooler may already have closed it: nothing left to release
            }
        }
        clients.clear();
    }

    private static long rssKb(Path status) throws IOException {
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in " + status);
    }
}
