// Optional: fill in the phone's position for the geofence check. The page works without it.
(function () {
  var lat = document.getElementById("latitude"), lng = document.getElementById("longitude");
  if (!lat || !lng || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(function (p) {
    lat.value = p.coords.latitude.toFixed(6);
    lng.value = p.coords.longitude.toFixed(6);
  }, function () {}, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
})();
