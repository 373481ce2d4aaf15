using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FedFace.Vision;

/// <summary>
/// What detection produced for one image: no face (<see cref="Face"/> null), or the chosen face aligned
/// and measured, and whether it was below the minimum size. The quality gate is applied afterwards.
/// </summary>
public sealed record DetectionOutcome(AlignedFace? Face, bool TooSmall)
{
    public static DetectionOutcome NoFace { get; } = new(null, false);
}

/// <summary>
/// Aligned crops on disk, one small file per image, keyed by the SHA-256 of the image file's bytes under
/// a folder named after the pipeline's settings (<see cref="FacePipelineSettings.CacheFingerprint"/>):
/// a renamed or copied photo is still a hit, an edited one or a change of detector or crop size is a miss.
/// </summary>
/// <remarks>
/// An entry is written to a temporary file and renamed into place, so a crash leaves either the whole
/// entry or none under its name (at worst a stray <c>*.tmp</c>, which is never read nor cleaned up). Reads check the
/// magic, the length, the key and the end marker, and treat any mismatch as a miss, so a damaged entry
/// is recomputed and overwritten. Safe to use from several threads and processes at once.
/// Layout: <c>root/&lt;settings hash&gt;/&lt;first two hex digits&gt;/&lt;content hash&gt;.face</c>, plus
/// <c>settings.txt</c> saying in words what the folder's hash stands for. The crops are people's faces: folders are
/// 0700 and files 0600, like the site's keys, and a cache written looser before is tightened when opened.
/// </remarks>
public sealed class AlignedFaceCache
{
    private static ReadOnlySpan<byte> Magic => "FFALIGN1"u8;
    private static ReadOnlySpan<byte> EndMarker => "END1"u8;
    // magic, total length, content hash, kind, too-small, width, height, box (4), score, landmarks (10), measures (5)
    private const int HeaderBytes = 8 + 4 + 32 + 1 + 1 + 2 + 2 + 4 * (4 + 1 + 10 + 5);
    private const int HashBytes = 32;

    private int _corruptEntries;
    private int _failedWrites;

    public AlignedFaceCache(string rootDirectory, string settingsFingerprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(settingsFingerprint);
        string settingsHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settingsFingerprint)))[..16];
        string root = Path.GetFullPath(rootDirectory);
        Directory = Path.Combine(root, settingsHash);
        // The root may be a folder the operator made for more than this cache: only what is below it is ours to tighten.
        PrivateStorage.CreateFolder(root);
        PrivateStorage.TightenTree(Directory);
        PrivateStorage.CreateFolder(Directory);
        string description = Path.Combine(Directory, "settings.txt");
        if (!File.Exists(description))
        {
            WriteAtomically(description, Encoding.UTF8.GetBytes(settingsFingerprint + "\n"));
        }
    }

    /// <summary>The folder for this pipeline's settings.</summary>
    public string Directory { get; }

    /// <summary>Entries found damaged (wrong magic, length, key or end marker) and ignored so far.</summary>
    public int CorruptEntries => Volatile.Read(ref _corruptEntries);

    /// <summary>Entries that could not be written (disk full, no permission); the run went on without them.</summary>
    public int FailedWrites => Volatile.Read(ref _failedWrites);

    public static byte[] ContentHash(ReadOnlySpan<byte> fileBytes) => SHA256.HashData(fileBytes);

    public string EntryPath(ReadOnlySpan<byte> contentHash)
    {
        if (contentHash.Length != HashBytes)
        {
            throw new ArgumentException($"a content hash is {HashBytes} bytes (SHA-256), got {contentHash.Length}", nameof(contentHash));
        }
        string hex = Convert.ToHexStringLower(contentHash);
        return Path.Combine(Directory, hex[..2], hex + ".face");
    }

    /// <summary>The stored outcome for this content, or null when there is none or it is damaged.</summary>
    public DetectionOutcome? TryRead(ReadOnlySpan<byte> contentHash)
    {
        string path = EntryPath(contentHash);
        byte[] entry;
        try
        {
            entry = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _corruptEntries);
            return null;
        }
        DetectionOutcome? outcome = Decode(entry, contentHash);
        if (outcome is null)
        {
            Interlocked.Increment(ref _corruptEntries);
        }
        return outcome;
    }

    /// <summary>Stores <paramref name="outcome"/>; false (and counted) when the disk would not take it.</summary>
    public bool Write(ReadOnlySpan<byte> contentHash, DetectionOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        string path = EntryPath(contentHash);
        try
        {
            PrivateStorage.CreateFolder(Path.GetDirectoryName(path)!);
            WriteAtomically(path, Encode(contentHash, outcome));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _failedWrites);
            return false;
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        // Same folder as the target, so the rename is atomic; a unique name, so concurrent writers never share one.
        // No fsync: a process crash cannot half-write a renamed file, and what a power cut might leave (an
        // empty or short entry) fails the length and end-marker checks on read. Syncing every entry cost
        // ~20% of first-run throughput here.
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (FileStream stream = PrivateStorage.CreateFile(temporary))
            {
                stream.Write(bytes);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    internal static byte[] Encode(ReadOnlySpan<byte> contentHash, DetectionOutcome outcome)
    {
        AlignedFace? face = outcome.Face;
        int pixelBytes = face?.Bgr.Length ?? 0;
        var entry = new byte[HeaderBytes + pixelBytes + EndMarker.Length];
        Span<byte> span = entry;
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], entry.Length);
        contentHash.CopyTo(span[12..]);
        span[44] = face is null ? (byte)0 : (byte)1;
        span[45] = outcome.TooSmall ? (byte)1 : (byte)0;
        if (face is not null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[46..], checked((ushort)face.Width));
            BinaryPrimitives.WriteUInt16LittleEndian(span[48..], checked((ushort)face.Height));
            FaceDetection d = face.Detection;
            QualityMeasures m = face.Measures;
            float[] floats =
            [
                d.X, d.Y, d.Width, d.Height, d.Score,
                .. d.Landmarks.SelectMany(p => new[] { p.X, p.Y }),
                m.FaceSidePixels, m.Sharpness, m.MeanLuminance, m.Yaw, m.RollDegrees,
            ];
            for (int i = 0; i < floats.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[(50 + 4 * i)..], floats[i]);
            }
            face.Bgr.CopyTo(span[HeaderBytes..]);
        }
        EndMarker.CopyTo(span[^EndMarker.Length..]);
        return entry;
    }

    internal static DetectionOutcome? Decode(ReadOnlySpan<byte> entry, ReadOnlySpan<byte> contentHash)
    {
        if (entry.Length < HeaderBytes + EndMarker.Length
            || !entry.StartsWith(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(entry[8..]) != entry.Length
            || !entry.Slice(12, HashBytes).SequenceEqual(contentHash)
            || !entry.EndsWith(EndMarker)
            || entry[44] > 1 || entry[45] > 1)
        {
            return null;
        }
        if (entry[44] == 0)
        {
            return entry.Length == HeaderBytes + EndMarker.Length ? DetectionOutcome.NoFace : null;
        }
        int width = BinaryPrimitives.ReadUInt16LittleEndian(entry[46..]), height = BinaryPrimitives.ReadUInt16LittleEndian(entry[48..]);
        int pixelBytes = width * height * 3;
        if (width == 0 || height == 0 || entry.Length != HeaderBytes + pixelBytes + EndMarker.Length)
        {
            return null;
        }
        var floats = new float[20];
        for (int i = 0; i < floats.Length; i++)
        {
            floats[i] = BinaryPrimitives.ReadSingleLittleEndian(entry[(50 + 4 * i)..]);
        }
        var landmarks = new (float X, float Y)[5];
        for (int k = 0; k < landmarks.Length; k++)
        {
            landmarks[k] = (floats[5 + 2 * k], floats[6 + 2 * k]);
        }
        var detection = new FaceDetection(floats[0], floats[1], floats[2], floats[3], landmarks, floats[4]);
        var measures = new QualityMeasures(floats[15], floats[16], floats[17], floats[18], floats[19]);
        var face = new AlignedFace(width, height, entry.Slice(HeaderBytes, pixelBytes).ToArray(), detection, measures);
        return new DetectionOutcome(face, entry[45] == 1);
    }
}
