/**
 * Torrent metainfo (.torrent files, BEP 3 with BEP 12's announce-list, BEP 19's url-list, BEP 27's
 * private flag, BEP 47's pad files and attributes, and BEP 52's hybrid and v2-only forms): parsing
 * with validation into immutable records, opening what libtorrent opens (lenient bencoding, unsafe
 * paths sanitized and duplicates renamed, each change a warning), the info-hash over the info
 * dictionary's raw bytes, the mapping of pieces onto files, and creating new torrents. Also
 * magnet links ({@link dev.spate.metainfo.Magnet}, BEP 9 and 53) and the metainfo of a torrent
 * whose info dictionary came from peers ({@link dev.spate.metainfo.MetainfoParser#fromInfo}).
 */
package dev.spate.metainfo;
