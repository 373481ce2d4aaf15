using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The byte form of the secure-aggregation messages and of the data they sign: little-endian integers,
/// strings and byte strings prefixed with their int32 length. One canonical encoding, so a signature over
/// it means the same thing to every reader.
/// </summary>
internal sealed class WireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public WireWriter(int capacityHint = 256) => _buffer = new ArrayBufferWriter<byte>(capacityHint);

    public WireWriter Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public WireWriter Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public WireWriter Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public WireWriter Double(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public WireWriter String(string value) => Bytes(Encoding.UTF8.GetBytes(value));

    public WireWriter Strings(IReadOnlyCollection<string> values)
    {
        Int32(values.Count);
        foreach (string value in values) String(value);
        return this;
    }

    /// <summary>A byte string with its length in front.</summary>
    public WireWriter Bytes(ReadOnlySpan<byte> value)
    {
        Int32(value.Length);
        return Raw(value);
    }

    /// <summary>uint32 words, little-endian, with their count in front.</summary>
    public WireWriter Words(ReadOnlySpan<uint> values)
    {
        Int32(values.Length);
        Span<byte> target = _buffer.GetSpan(values.Length * sizeof(uint))[..(values.Length * sizeof(uint))];
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(target);
        else for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(target[(i * 4)..], values[i]);
        _buffer.Advance(target.Length);
        return this;
    }

    /// <summary>Bytes without a length: fixed-size fields and nested messages that carry their own.</summary>
    public WireWriter Raw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}

/// <summary>Reads what <see cref="WireWriter"/> wrote; every read checks the bytes are there and says which message fell short.</summary>
internal sealed class WireReader(byte[] bytes, string message)
{
    private int _position;

    public byte Byte() => Take(1)[0];

    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public string String() => Encoding.UTF8.GetString(Bytes());

    public string[] Strings()
    {
        var values = new string[Count(minimumBytesEach: 4)];
        for (int i = 0; i < values.Length; i++) values[i] = String();
        return values;
    }

    public byte[] Bytes() => Take(Count(minimumBytesEach: 1)).ToArray();

    public uint[] Words()
    {
        int count = Count(minimumBytesEach: sizeof(uint));
        ReadOnlySpan<byte> raw = Take(count * sizeof(uint));
        uint[] values = new uint[count];
        if (BitConverter.IsLittleEndian) raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadUInt32LittleEndian(raw[(i * 4)..]);
        return values;
    }

    /// <summary>A count of items that are each at least <paramref name="minimumBytesEach"/> long: a count
    /// the remaining bytes cannot hold is refused before anything is allocated for it.</summary>
    public int Count(int minimumBytesEach)
    {
        int count = Int32();
        if (count < 0 || (long)count * minimumBytesEach > bytes.Length - _position)
            throw new FormatException($"{message}: a length of {count} does not fit the {bytes.Length - _position} bytes left");
        return count;
    }

    /// <summary>Checks the message's type tag and format version.</summary>
    public void Header(byte tag)
    {
        byte actualTag = Byte();
        if (actualTag != tag) throw new FormatException($"{message}: type tag {actualTag} is not {tag}");
        byte version = Byte();
        if (version != WireFormat.Version) throw new FormatException($"{message}: format version {version} is not {WireFormat.Version}");
    }

    public void End()
    {
        if (_position != bytes.Length) throw new FormatException($"{message}: {bytes.Length - _position} unexpected bytes after the end");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > bytes.Length - _position) throw new FormatException($"{message}: truncated ({bytes.Length} bytes)");
        ReadOnlySpan<byte> span = bytes.AsSpan(_position, count);
        _position += count;
        return span;
    }
}

/// <summary>Type tags of the messages, and the format version every message carries after its tag.</summary>
internal static class WireFormat
{
    /// <summary>2: the configuration carries the corrupt-site count, and the consistency check's messages exist.</summary>
    public const byte Version = 2;
    public const byte RoundConfiguration = 1;
    public const byte KeyAdvertisement = 2;
    public const byte ShareKeysRequest = 3;
    public const byte EncryptedShares = 4;
    public const byte MaskedInputRequest = 5;
    public const byte MaskedInput = 6;
    public const byte UnmaskRequest = 7;
    public const byte UnmaskShares = 8;
    public const byte ConsistencyCheckRequest = 9;
    public const byte SurvivorSetSignature = 10;

    public static WireWriter Start(byte tag, int capacityHint = 256) => new WireWriter(capacityHint).Byte(tag).Byte(Version);
}
