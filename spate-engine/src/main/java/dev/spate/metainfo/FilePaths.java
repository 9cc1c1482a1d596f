package dev.spate.metainfo;

import dev.spate.metainfo.FileEntry.Attribute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes the sanitized paths of a torrent's files fit on disk together, as libtorrent 2.0 does: a
 * file whose path another file already has, or that another file needs as a directory, is renamed
 * {@code name.1.ext} ({@code .2}, ...), comparing paths without regard to ASCII case (so the files
 * also fit on a case-insensitive file system); and a symbolic link is kept only when its target is
 * a file or directory of the same torrent. Pad files take no part: they are never on disk.
 *
 * <p>Stateless and thread-safe.
 */
final class FilePaths {
    /**
     * The most renames (and rename attempts that collided again) a torrent may need. A real
     * torrent needs a handful; a hostile one with a million copies of one path would otherwise make
     * us invent a million names. libtorrent's default bound is 1000 too.
     */
    static final int MAX_RENAMES = 1000;

    private FilePaths() {
    }

    /** Renames the files whose paths collide, reporting each rename. */
    static void disambiguate(List<FileDraft> files, Warnings warnings) throws MetainfoException {
        // Every directory first, so a file never takes a name another file needs as its directory,
        // whichever comes first in the list.
        Set<String> taken = new HashSet<>();
        for (FileDraft f : files) {
            if (!f.isPad()) {
                StringBuilder dir = new StringBuilder();
                for (int i = 0; i < f.path.size() - 1; i++) {
                    dir.append(i == 0 ? "" : "/").append(f.path.get(i));
                    taken.add(fold(dir));
                }
            }
        }
        // The next number to try for a base name, so many copies of one path cost linear time.
        Map<String, Integer> next = new HashMap<>();
        int work = 0;
        for (FileDraft f : files) {
            if (f.isPad() || taken.add(fold(f.joined()))) {
                continue;
            }
            String before = f.joined();
            List<String> parent = f.path.subList(0, f.path.size() - 1);
            String last = f.path.get(f.path.size() - 1);
            int dot = last.lastIndexOf('.');
            String base = dot < 0 ? last : last.substring(0, dot);
            String extension = dot < 0 ? "" : last.substring(dot);
            String prefix = parent.isEmpty() ? "" : String.join("/", parent) + "/";
            String counterKey = fold(prefix + base) + "\0" + fold(extension);
            int n = next.getOrDefault(counterKey, 1);
            while (true) {
                if (++work > MAX_RENAMES) {
                    throw new MetainfoException("more than " + MAX_RENAMES + " file paths in the info dictionary collide (one is "
                            + MetainfoParser.quote(before) + "); refusing to invent so many names");
                }
                String candidate = base + "." + n++ + extension;
                if (taken.add(fold(prefix + candidate))) {
                    List<String> renamed = new ArrayList<>(parent);
                    renamed.add(candidate);
                    f.path = List.copyOf(renamed);
                    break;
                }
            }
            next.put(counterKey, n);
            warnings.add("file path " + MetainfoParser.quote(before) + " is taken by another file or directory of the torrent: renamed "
                    + MetainfoParser.quote(f.joined()));
        }
    }

    /**
     * Keeps each symbolic link whose target (relative to the torrent's directory, or, as older
     * creators wrote it, to the link's own directory) is another file or a directory of this
     * torrent; any other becomes a plain empty file, with a warning. Call after
     * {@link #disambiguate}, so targets are checked against the final paths.
     */
    static void checkSymlinks(List<FileDraft> files, Warnings warnings) {
        Set<String> paths = null;
        Set<String> dirs = null;
        for (FileDraft f : files) {
            if (!f.attributes.contains(Attribute.SYMLINK)) {
                continue;
            }
            if (paths == null) {
                paths = new HashSet<>();
                dirs = new HashSet<>();
                for (FileDraft g : files) {
                    if (!g.isPad()) {
                        paths.add(g.joined());
                        for (int i = 1; i < g.path.size(); i++) {
                            dirs.add(String.join("/", g.path.subList(0, i)));
                        }
                    }
                }
            }
            String self = f.joined();
            String target = String.join("/", f.symlinkTarget);
            List<String> sibling = new ArrayList<>(f.path.subList(0, f.path.size() - 1));
            sibling.addAll(f.symlinkTarget);
            String relative = String.join("/", sibling);
            if (!target.equals(self) && (paths.contains(target) || dirs.contains(target))) {
                continue;
            }
            if (!relative.equals(self) && (paths.contains(relative) || dirs.contains(relative))) {
                f.symlinkTarget = List.copyOf(sibling);
                continue;
            }
            warnings.add("symbolic link " + MetainfoParser.quote(self) + " -> " + MetainfoParser.quote(target)
                    + " does not point to a file or directory of the torrent: written as an empty file instead");
            f.attributes.remove(Attribute.SYMLINK);
            f.symlinkTarget = List.of();
        }
    }

    /** ASCII lower case, as libtorrent compares paths. */
    private static String fold(CharSequence s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return sb.toString();
    }
}
