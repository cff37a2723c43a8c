{{/* The labels every object carries (the same as deploy/'s). */}}
{{- define "zeroloop.labels" -}}
app.kubernetes.io/name: {{ .Values.name }}
{{- end }}
