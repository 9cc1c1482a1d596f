package dev.spate.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The directories the RPC may put data in: every download directory a request names (torrent-add's
 * {@code download-dir}, torrent-set-location's {@code location}, the session's default) must be
 * inside one of them, so a client of the RPC cannot have the daemon write (or probe) elsewhere.
 *
 * <p>A path is inside when it passes two checks. Lexically: made absolute and normalized (so
 * {@code root/../etc} is {@code /etc}), it starts with a root or the root's real path. On the
 * disk: the real path of its longest existing ancestor (every symbolic link resolved) starts with
 * a root's real path, so {@code root/link-to-etc/x}, where the link points out of the root, is
 * refused although it reads as inside. What does not exist yet below that ancestor is created by
 * the engine later, as plain directories. A root may itself be a symbolic link; its real path is
 * taken at each check, so a root replaced while the daemon runs is followed.
 *
 * <p>Immutable; any thread.
 */
public final class DownloadRoots {
    private final List<Path> roots;

    private DownloadRoots(List<Path> roots) {
        this.roots = roots;
    }

    /**
     * The roots {@code roots} (at least one), each made absolute and normalized. They need not
     * exist (the command refuses to start with a root that does not); below a missing root there
     * is nothing on the disk to resolve, so only the lexical check applies there.
     */
    public static DownloadRoots of(List<Path> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("at least one download root");
        }
        List<Path> out = new ArrayList<>();
        for (Path r : roots) {
            Path p = r.toAbsolutePath().normalize();
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return new DownloadRoots(List.copyOf(out));
    }

    /** The roots, absolute and normalized, in the order given. */
    public List<Path> roots() {
        return roots;
    }

    /** A path refused: it is not inside any root. */
    public static final class OutsideRootsException extends Exception {
        OutsideRootsException(String message) {
            super(message);
        }
    }

    /**
     * {@code path} made absolute and normalized, when it is inside a root (see the class comment).
     *
     * @throws OutsideRootsException when it is relative, outside every root, or reaches out of them
     *     through a symbolic link; the message names the path and the roots
     */
    public Path check(Path path) throws OutsideRootsException {
        if (!path.isAbsolute()) {
            throw new OutsideRootsException("download directory " + path + " is not an absolute path");
        }
        Path p = path.normalize();
        List<Path> real = new ArrayList<>(roots.size());
        for (Path r : roots) {
            real.add(realPath(r).orElse(r));
        }
        boolean lexically = false;
        for (int i = 0; i < roots.size(); i++) {
            lexically |= p.startsWith(roots.get(i)) || p.startsWith(real.get(i));
        }
        if (!lexically) {
            throw outside(p, "");
        }
        Optional<Path> resolved = realOfLongestExistingAncestor(p);
        if (resolved.isEmpty()) {
            throw outside(p, " (it goes through a broken symbolic link)");
        }
        for (Path r : real) {
            if (resolved.get().startsWith(r)) {
                return p;
            }
        }
        throw outside(p, " (it leads to " + resolved.get() + ")");
    }

    private OutsideRootsException outside(Path p, String why) {
        return new OutsideRootsException("download directory " + p + why + " is outside the download roots ("
                + roots.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * The real path of {@code p}'s longest existing ancestor (itself when it exists) with the rest
     * of {@code p} after it; empty when that ancestor is a broken symbolic link (it exists as a
     * link, not as what it points to, which a directory made there would become).
     */
    static Optional<Path> realOfLongestExistingAncestor(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return Optional.of(p);
        }
        Path ancestor = existing;
        return realPath(ancestor).map(r -> r.resolve(ancestor.relativize(p)).normalize());
    }

    private static Optional<Path> realPath(Path p) {
        try {
            return Optional.of(p.toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return roots.stream().map(Path::toString).collect(Collectors.joining(", "));
    }
}
