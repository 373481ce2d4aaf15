using FedFace.Vision;

namespace FedFace.Recognition.Tests;

public sealed class ReasonWordsTests
{
    [Fact]
    public void SpellsAReasonsNameOutInLowerCaseWords()
    {
        Assert.Equal("too blurred", ReasonWords.Of(RejectionReason.TooBlurred));
        Assert.Equal("not an image", ReasonWords.Of(UnreadableReason.NotAnImage));
        Assert.Equal("truncated", ReasonWords.Of(UnreadableReason.Truncated));
    }
}
