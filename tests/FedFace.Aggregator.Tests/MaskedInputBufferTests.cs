using FedFace.Aggregator.SecureAggregation;
using FedFace.Protocol;

namespace FedFace.Aggregator.Tests;

/// <summary>A masked input's bytes as they arrive: memory follows the data up to exactly the declared length, never more.</summary>
public sealed class MaskedInputBufferTests
{
    [Fact]
    public void Memory_grows_with_the_data_to_exactly_the_declared_length_and_the_bytes_come_back_in_order()
    {
        const int declared = 5 * TensorWire.DefaultChunkBytes + 123;
        byte[] input = [.. Enumerable.Range(0, declared).Select(i => (byte)(i * 7))];
        var buffer = new MaskedInputBuffer(declared);
        Assert.Equal(0, buffer.AllocatedBytes);

        var allocated = new List<long>();
        for (int offset = 0; offset < declared; offset += 1000)
        {
            Assert.True(buffer.TryAppend(input.AsSpan(offset, Math.Min(1000, declared - offset))));
            allocated.Add(buffer.AllocatedBytes);
            Assert.InRange(buffer.AllocatedBytes, buffer.ReceivedBytes, Math.Max(2L * buffer.ReceivedBytes, TensorWire.DefaultChunkBytes));
        }

        Assert.Equal(TensorWire.DefaultChunkBytes, allocated[0]);
        Assert.True(buffer.IsComplete);
        Assert.Equal(input, buffer.Complete());
        Assert.Equal(declared, buffer.AllocatedBytes);
    }

    [Fact]
    public void More_than_declared_is_refused_and_an_incomplete_input_is_not_handed_out()
    {
        var buffer = new MaskedInputBuffer(10);
        Assert.True(buffer.TryAppend(new byte[6]));
        Assert.False(buffer.TryAppend(new byte[5]));
        Assert.Equal(6, buffer.ReceivedBytes);
        InvalidOperationException incomplete = Assert.Throws<InvalidOperationException>(() => buffer.Complete());
        Assert.Equal("the masked input holds 6 of its 10 declared bytes", incomplete.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedInputBuffer(0));
    }
}
