using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using FedFace.Core.Storage;

namespace FedFace.Evaluation.Identification;

/// <summary>
/// The gallery file, version 1, all numbers little-endian:
/// <code>
/// "FFGALLRY"            8 bytes, magic
/// version               uint32 = 1
/// dimension             int32 &gt; 0
/// count                 int32 ≥ 0
/// count × person id     int32 byte length (1..1024) + UTF-8 bytes
/// count × template      dimension × float32, L2-normalised
/// crc32                 uint32, CRC-32 (IEEE) of every byte before it
/// </code>
/// Written atomically (temporary file, then rename). Reading checks each part and says which one is wrong:
/// a truncated file, a foreign file, an unknown version, impossible sizes, bad ids, a checksum mismatch.
/// </summary>
public static class GalleryFile
{
    public const uint Version = 1;
    private const int MaxIdBytes = 1024;
    private static ReadOnlySpan<byte> Magic => "FFGALLRY"u8;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Write(string path, Gallery gallery)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(gallery);
        CheckLittleEndian();
        AtomicFile.Write(path, stream =>
        {
            var crc = new Crc32();
            void Put(ReadOnlySpan<byte> bytes)
            {
                crc.Append(bytes);
                stream.Write(bytes);
            }

            Span<byte> number = stackalloc byte[4];
            Put(Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(number, Version);
            Put(number);
            BinaryPrimitives.WriteInt32LittleEndian(number, gallery.Dimension);
            Put(number);
            BinaryPrimitives.WriteInt32LittleEndian(number, gallery.Count);
            Put(number);
            foreach (string id in gallery.PersonIds)
            {
                byte[] utf8 = StrictUtf8.GetBytes(id);
                if (utf8.Length > MaxIdBytes)
                {
                    throw new ArgumentException($"person id '{id[..40]}…' is {utf8.Length} bytes in UTF-8; at most {MaxIdBytes} fit the file");
                }
                BinaryPrimitives.WriteInt32LittleEndian(number, utf8.Length);
                Put(number);
                Put(utf8);
            }
            Put(MemoryMarshal.AsBytes(gallery.Templates.Span));
            BinaryPrimitives.WriteUInt32LittleEndian(number, crc.GetCurrentHashAsUInt32());
            stream.Write(number);
        });
    }

    public static Gallery Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckLittleEndian();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var reader = new ChecksummedReader(stream, path);

        Span<byte> magic = stackalloc byte[8];
        reader.Read(magic, "the magic number");
        if (!magic.SequenceEqual(Magic))
        {
            throw reader.Invalid($"not a gallery file: it starts with {Convert.ToHexString(magic)}, a gallery with \"FFGALLRY\"");
        }
        uint version = reader.ReadUInt32("the version");
        if (version != Version)
        {
            throw reader.Invalid($"gallery file version {version} is not supported; this build reads version {Version}");
        }
        int dimension = reader.ReadInt32("the dimension");
        int count = reader.ReadInt32("the template count");
        if (dimension <= 0 || count < 0)
        {
            throw reader.Invalid($"dimension {dimension} and count {count} are impossible (dimension > 0, count ≥ 0)");
        }
        // Before allocating anything, check the file can hold what the header announces.
        long templateBytes = (long)count * dimension * sizeof(float);
        long smallest = stream.Position + (long)count * (sizeof(int) + 1) + templateBytes + sizeof(uint);
        if (smallest > stream.Length || templateBytes > (long)Array.MaxLength * sizeof(float))
        {
            throw reader.Invalid($"truncated or corrupt: {count} templates of dimension {dimension} need at least {smallest} bytes, the file has {stream.Length}");
        }

        var ids = new string[count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string what = $"person id {i + 1} of {count}";
            int length = reader.ReadInt32($"the length of {what}");
            if (length is <= 0 or > MaxIdBytes)
            {
                throw reader.Invalid($"{what} claims {length} bytes (1..{MaxIdBytes} allowed)");
            }
            byte[] utf8 = new byte[length];
            reader.Read(utf8, what);
            try
            {
                ids[i] = StrictUtf8.GetString(utf8);
            }
            catch (DecoderFallbackException)
            {
                throw reader.Invalid($"{what} is not valid UTF-8");
            }
            if (!seen.Add(ids[i]))
            {
                throw reader.Invalid($"{what}, '{ids[i]}', appears twice");
            }
        }

        var templates = new float[count * dimension];
        reader.Read(MemoryMarshal.AsBytes(templates.AsSpan()), $"the templates ({count} × {dimension} floats)");
        uint computed = reader.Checksum;
        uint stored = reader.ReadUInt32("the checksum");
        if (stored != computed)
        {
            throw reader.Invalid($"checksum mismatch (stored {stored:X8}, computed {computed:X8}): the file is corrupt");
        }
        if (stream.Position != stream.Length)
        {
            throw reader.Invalid($"{stream.Length - stream.Position} unexpected bytes after the checksum");
        }
        return new Gallery(dimension, ids, templates);
    }

    /// <summary>Templates go to and from the file as raw float bytes, which are little-endian only there.</summary>
    private static void CheckLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("gallery files are read and written on little-endian machines only");
        }
    }

    /// <summary>Reads exact byte counts, folding them into a CRC-32; a short read names the part that was cut off.</summary>
    private sealed class ChecksummedReader(Stream stream, string path)
    {
        private readonly Crc32 _crc = new();

        public uint Checksum => _crc.GetCurrentHashAsUInt32();

        public void Read(Span<byte> destination, string what)
        {
            long start = stream.Position;
            int read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            if (read < destination.Length)
            {
                throw Invalid($"truncated: the file ends inside {what} (at byte {start + read}, {destination.Length - read} bytes short)");
            }
            _crc.Append(destination);
        }

        public uint ReadUInt32(string what)
        {
            Span<byte> bytes = stackalloc byte[4];
            Read(bytes, what);
            return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        }

        public int ReadInt32(string what) => unchecked((int)ReadUInt32(what));

        public InvalidDataException Invalid(string problem) => new($"{path}: {problem}");
    }
}
