{{/* The labels every object carries (the same as deploy/'s). */}}
{{- define "zeroloop.labels" -}}
app.kubernetes.io/name: {{ .Values.name }}
{{- end }}

{{/*
Whether an optional prometheus-operator object is rendered: `enabled` true or false decides; "auto" renders it
only where the cluster serves its kind (`helm template` without a cluster: `--api-versions monitoring.coreos.com/v1/<Kind>`).
Call with (list $ .Values.metrics.serviceMonitor.enabled "ServiceMonitor"); yields "true" or "".
*/}}
{{- define "zeroloop.monitoringEnabled" -}}
{{- $root := index . 0 -}}
{{- $enabled := toString (index . 1) -}}
{{- $kind := index . 2 -}}
{{- if eq $enabled "true" -}}
true
{{- else if and (eq $enabled "auto") ($root.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" $kind)) -}}
true
{{- else if not (has $enabled (list "false" "auto")) -}}
{{- fail (printf "metrics: enabled of the %s must be true, false or auto, not %q" $kind $enabled) -}}
{{- end -}}
{{- end }}
