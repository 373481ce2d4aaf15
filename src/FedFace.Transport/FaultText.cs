namespace FedFace.Transport;

/// <summary>What a fault says, as an operator reads it in a log line.</summary>
public static class FaultText
{
    /// <summary>
    /// <paramref name="text"/> on one line: gRPC statuses carry their inner exception's text, line breaks and all, and
    /// one fault must stay one log line.
    /// </summary>
    public static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    public static string OneLine(Exception fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return OneLine(fault.Message);
    }

    /// <summary>The fault and the faults that caused it, outermost first.</summary>
    public static IEnumerable<Exception> Causes(Exception fault)
    {
        for (Exception? e = fault; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
