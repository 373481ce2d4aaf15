namespace FedFace.Recognition;

/// <summary>How a reason is spelt for people, the same in every summary and report: an enum's name as lower-case words.</summary>
public static class ReasonWords
{
    /// <summary><c>RejectionReason.TooBlurred</c> → "too blurred".</summary>
    public static string Of(Enum reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        string name = reason.ToString();
        return string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
    }
}
