namespace FedFace.Core.Aggregation;

/// <summary>Per-tensor optimiser slots (momentum, moments) and their checkpoint form: "slot/tensor name".</summary>
internal static class ServerState
{
    /// <summary>The slot for <paramref name="tensor"/>, zero on first use (every optimiser starts from zero state).</summary>
    public static float[] Slot(Dictionary<string, float[]> slots, NamedTensor tensor)
    {
        if (!slots.TryGetValue(tensor.Name, out float[]? slot))
        {
            slot = new float[tensor.Values.Length];
            slots.Add(tensor.Name, slot);
        }
        else if (slot.Length != tensor.Values.Length)
        {
            throw new InvalidOperationException(
                $"optimiser state for '{tensor.Name}' has {slot.Length} values but the model's tensor has {tensor.Values.Length}");
        }
        return slot;
    }

    public static ModelState? Export(params (string Slot, Dictionary<string, float[]> Values)[] slots)
    {
        var tensors = slots.SelectMany(s => s.Values.Select(kv =>
            new NamedTensor($"{s.Slot}/{kv.Key}", [kv.Value.LongLength], (float[])kv.Value.Clone()))).ToArray();
        return tensors.Length == 0 ? null : new ModelState(tensors);
    }

    public static Dictionary<string, float[]> Import(ModelState state, string slot)
    {
        string prefix = slot + "/";
        return state.Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name[prefix.Length..], t => (float[])t.Values.Clone(), StringComparer.Ordinal);
    }
}
